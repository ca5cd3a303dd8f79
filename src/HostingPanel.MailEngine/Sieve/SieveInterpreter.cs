using System.Text.RegularExpressions;
using System.Security.Cryptography;
using System.Text;
using HostingPanel.MailEngine.Storage;

namespace HostingPanel.MailEngine.Sieve;

/// <summary>
/// Runs a compiled script against one message for one recipient. Pure: it decides, the caller
/// (<see cref="SieveDelivery"/>) stores, redirects and replies. A runtime error or an exceeded limit
/// ends the run with the implicit keep (RFC 5228 section 2.10.6): a script never loses mail.
/// </summary>
public sealed class SieveInterpreter
{
    private readonly SieveScript _script;
    private readonly SieveMessage _message;
    private readonly SieveEnvironment _environment;
    private readonly SieveLimits _limits;
    // Per script of the run (RFC 6609 section 3.4: each included script has its own variables, except those it declares global).
    private bool _variables;
    private bool _includeExtension;
    private Dictionary<string, string> _vars = new(StringComparer.OrdinalIgnoreCase);
    private HashSet<string> _globalNames = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, string> _globals = new(StringComparer.OrdinalIgnoreCase);
    private int _variableCount;
    private readonly List<(SieveIncludeLocation Location, string Name)> _includeStack = [];
    private readonly HashSet<(SieveIncludeLocation, string)> _included = [];
    private int _includes;
    private bool _returning;
    private readonly List<string>? _captures;
    private List<string> _matchValues = [];
    private readonly List<string> _flags = [];
    private readonly Dictionary<string, SieveFolderAction> _folders = new(StringComparer.Ordinal);
    private readonly SieveResult _result = new();
    private readonly List<string> _scratch = [];
    private bool _implicitKeep = true;
    private bool _explicitDelivery;
    private int _actions;
    private int _headerEdits;
    private long _steps;

    private SieveInterpreter(SieveScript script, SieveMessage message, SieveEnvironment environment, SieveLimits limits)
    {
        _script = script;
        _message = message;
        _environment = environment;
        _limits = limits;
        _variables = script.Extensions.Contains("variables");
        _includeExtension = script.Extensions.Contains("include");
        // Match variables are captured when any script of the run may read them.
        _captures = _variables || _includeExtension ? [] : null;
    }

    public static SieveResult Run(SieveScript script, SieveMessage message, SieveEnvironment? environment = null, SieveLimits? limits = null)
    {
        var interpreter = new SieveInterpreter(script, message, environment ?? new SieveEnvironment(), limits ?? SieveLimits.Default);
        try
        {
            return interpreter.RunCore();
        }
        catch (SieveRuntimeException e)
        {
            return SieveResult.KeepAfterError(e.Message, interpreter._steps);
        }
    }

    private SieveResult RunCore()
    {
        Execute(_script.Commands);
        _returning = false;
        if (_result.Reject is not null && (_explicitDelivery || _result.Vacation is not null))
            throw new SieveRuntimeException(0, "reject cannot be combined with keep, fileinto or vacation (RFC 5429 section 2.1)");
        if (_implicitKeep)
            AddFolder(MailStore.Inbox, _flags, create: false);
        _result.Folders.AddRange(_folders.Values);
        _result.Steps = _steps;
        return _result;
    }

    /// <summary>False when "stop" ran, or "return" (then <see cref="_returning"/> is set).</summary>
    private bool Execute(SieveCommand[] commands)
    {
        foreach (var command in commands)
        {
            Step(command.Line);
            switch (command)
            {
                case SieveIf c:
                    foreach (var (test, block) in c.Branches)
                    {
                        if (test is null || Evaluate(test))
                        {
                            if (!Execute(block))
                                return false;
                            break;
                        }
                    }
                    break;
                case SieveStop:
                    return false;
                case SieveKeep c:
                    Action(c.Line);
                    _implicitKeep = false;
                    _explicitDelivery = true;
                    AddFolder(MailStore.Inbox, c.Flags is null ? _flags : FlagList(c.Flags), create: false);
                    break;
                case SieveDiscard:
                    _implicitKeep = false;
                    break;
                case SieveFileInto c:
                    Action(c.Line);
                    var name = Expand(c.Mailbox);
                    if (!SieveMailboxNames.IsValid(name))
                        throw new SieveRuntimeException(c.Line, $"invalid mailbox name \"{name}\"");
                    if (!c.Copy)
                        _implicitKeep = false;
                    _explicitDelivery = true;
                    AddFolder(SieveMailboxNames.ToStoreName(name), c.Flags is null ? _flags : FlagList(c.Flags), c.Create);
                    break;
                case SieveRedirect c:
                    Redirect(c);
                    break;
                case SieveReject c:
                    Action(c.Line);
                    if (_result.Reject is not null)
                        throw new SieveRuntimeException(c.Line, "more than one reject");
                    _result.Reject = Expand(c.Reason);
                    _result.ExtendedReject = c.Extended;
                    _implicitKeep = false;
                    break;
                case SieveVacation c:
                    Vacation(c);
                    break;
                case SieveFlagCommand c:
                    Flags(c);
                    break;
                case SieveSet c:
                    Set(c);
                    break;
                case SieveAddHeader c:
                    AddHeader(c);
                    break;
                case SieveDeleteHeader c:
                    DeleteHeader(c);
                    break;
                case SieveInclude c:
                    if (!Include(c))
                        return false;
                    break;
                case SieveReturn:
                    _returning = true;
                    return false;
                case SieveGlobal c:
                    foreach (var global in c.Names)
                        _globalNames.Add(global);
                    break;
                case SieveNotify c:
                    Notify(c);
                    break;
            }
        }
        return true;
    }

    // ------------------------------------------------------------------ include (RFC 6609)

    /// <summary>Runs the included script in its own variable scope; false when it ran "stop" (which ends the whole run).</summary>
    private bool Include(SieveInclude c)
    {
        var key = (c.Location, c.Name);
        // Section 3.2: with :once, a script already included anywhere in this run is skipped.
        if (c.Once && _included.Contains(key))
            return true;
        // Section 3.2: a script that includes itself, directly or through others, is an error.
        if (_includeStack.Contains(key) || (c.Location == SieveIncludeLocation.Personal && c.Name == _environment.ScriptName))
            throw new SieveRuntimeException(c.Line, $"include loop: \"{c.Name}\" is already running");
        if (_includeStack.Count + 1 > _limits.MaxIncludeDepth)
            throw new SieveRuntimeException(c.Line, $"includes nested deeper than {_limits.MaxIncludeDepth}");
        if (++_includes > _limits.MaxIncludes)
            throw new SieveRuntimeException(c.Line, $"more than {_limits.MaxIncludes} includes");
        var included = _environment.Include?.Invoke(c.Location, c.Name);
        if (included is null)
        {
            // Section 3.2: a missing script is an error when it runs, unless :optional.
            if (c.Optional)
                return true;
            throw new SieveRuntimeException(c.Line, $"included {(c.Location == SieveIncludeLocation.Global ? "global" : "personal")} script \"{c.Name}\" does not exist");
        }
        if (included.Script is null)
            throw new SieveRuntimeException(c.Line, $"included script \"{c.Name}\" does not compile: {included.Error}");
        _included.Add(key);
        var (variables, includeExtension, vars, globalNames) = (_variables, _includeExtension, _vars, _globalNames);
        _variables = included.Script.Extensions.Contains("variables");
        _includeExtension = included.Script.Extensions.Contains("include");
        _vars = new(StringComparer.OrdinalIgnoreCase);
        _globalNames = new(StringComparer.OrdinalIgnoreCase);
        _includeStack.Add(key);
        var go = Execute(included.Script.Commands);
        _includeStack.RemoveAt(_includeStack.Count - 1);
        (_variables, _includeExtension, _vars, _globalNames) = (variables, includeExtension, vars, globalNames);
        if (_returning)
        {
            _returning = false;
            return true;
        }
        return go;
    }

    // ------------------------------------------------------------------ enotify (RFC 5435, RFC 5436)

    private void Notify(SieveNotify c)
    {
        Action(c.Line);
        var method = Expand(c.Method);
        var mailto = SieveMailto.Parse(method, out var error) ?? throw new SieveRuntimeException(c.Line, error!);
        var from = c.From is null ? null : Expand(c.From);
        if (from is not null && SieveAddresses.ParseSingle(from) is null)
            throw new SieveRuntimeException(c.Line, $"invalid :from address \"{from}\"");
        var importance = c.Importance is null ? "2" : Expand(c.Importance);
        if (importance is not ("1" or "2" or "3"))
            throw new SieveRuntimeException(c.Line, ":importance must be \"1\", \"2\" or \"3\"");
        var message = c.Message is null ? null : Expand(c.Message);
        var action = new SieveNotifyAction(mailto, from, importance, message);
        // RFC 5435 section 8: the same notification twice is sent once.
        if (_result.Notifications.Any(n => SameNotification(n, action)))
            return;
        if (_result.Notifications.Count >= _limits.MaxNotifications)
            throw new SieveRuntimeException(c.Line, $"more than {_limits.MaxNotifications} notifications");
        _result.Notifications.Add(action);
    }

    private static bool SameNotification(SieveNotifyAction a, SieveNotifyAction b) =>
        a.Mailto.To.SequenceEqual(b.Mailto.To, StringComparer.OrdinalIgnoreCase) && a.Mailto.Cc.SequenceEqual(b.Mailto.Cc, StringComparer.OrdinalIgnoreCase)
        && a.Mailto.Subject == b.Mailto.Subject && a.Mailto.Body == b.Mailto.Body && a.Message == b.Message && a.From == b.From;

    private void Step(int line)
    {
        if (++_steps > _limits.MaxSteps)
            throw new SieveRuntimeException(line, $"the script ran more than {_limits.MaxSteps} steps");
    }

    private void Action(int line)
    {
        if (++_actions > _limits.MaxActions)
            throw new SieveRuntimeException(line, $"more than {_limits.MaxActions} actions");
    }

    private void AddFolder(string folder, List<string> flags, bool create)
    {
        var (system, keywords) = SplitFlags(flags);
        // RFC 5228 section 2.10.3: the same mailbox twice is one copy (the last flags win, as in Pigeonhole).
        var existingCreate = _folders.TryGetValue(folder, out var existing) && existing.Create;
        _folders[folder] = new SieveFolderAction(folder, system, keywords, create || existingCreate, _message.EditedHeaders);
    }

    private void Redirect(SieveRedirect c)
    {
        Action(c.Line);
        var text = Expand(c.Address);
        var address = SieveAddresses.ParseSingle(text) ?? throw new SieveRuntimeException(c.Line, $"invalid redirect address \"{text}\"");
        if (!c.Copy)
            _implicitKeep = false;
        if (_result.Redirects.Contains(address, StringComparer.OrdinalIgnoreCase))
            return;
        if (_result.Redirects.Count >= _limits.MaxRedirects)
            throw new SieveRuntimeException(c.Line, $"more than {_limits.MaxRedirects} redirects");
        _result.Redirects.Add(address);
        _result.RedirectHeaders.Add(_message.EditedHeaders);
    }

    // ------------------------------------------------------------------ editheader (RFC 5293)

    private void HeaderEdit(int line)
    {
        if (++_headerEdits > _limits.MaxHeaderEdits)
            throw new SieveRuntimeException(line, $"more than {_limits.MaxHeaderEdits} header edits");
    }

    private void AddHeader(SieveAddHeader c)
    {
        HeaderEdit(c.Line);
        var name = Expand(c.Name);
        if (SieveHeaderEdits.FieldNameError(name) is { } nameError)
            throw new SieveRuntimeException(c.Line, nameError);
        var value = SieveHeaderEdits.Normalize(Expand(c.Value));
        if (SieveHeaderEdits.ValueError(name, value) is { } valueError)
            throw new SieveRuntimeException(c.Line, valueError);
        // RFC 5293 section 6: a change the policy forbids is ignored silently.
        if (SieveHeaderEdits.IsProtected(name))
            return;
        _steps += _message.Headers.Count;
        _message.AddHeader(name, value, c.Last);
    }

    private void DeleteHeader(SieveDeleteHeader c)
    {
        HeaderEdit(c.Line);
        var name = Expand(c.Name);
        if (SieveHeaderEdits.FieldNameError(name) is { } nameError)
            throw new SieveRuntimeException(c.Line, nameError);
        if (SieveHeaderEdits.IsProtected(name))
            return;
        _steps += _message.Headers.Count;
        Func<string, bool>? matches = null;
        if (c.Patterns is not null)
        {
            var patterns = c.Patterns.Select(Expand).ToArray();
            // Match variables stay as they were: deleteheader is an action, not a test.
            matches = value => SieveMatcher.Test(c.Match, [value], patterns, ref _steps, null);
        }
        _message.DeleteHeaders(name, c.Index, c.Last, matches);
        if (_steps > _limits.MaxSteps)
            throw new SieveRuntimeException(c.Line, $"the script ran more than {_limits.MaxSteps} steps");
    }

    private void Vacation(SieveVacation c)
    {
        Action(c.Line);
        if (_result.Vacation is not null)
            throw new SieveRuntimeException(c.Line, "more than one vacation action");
        var subject = c.Subject is null ? null : Expand(c.Subject);
        var from = c.From is null ? null : Expand(c.From);
        if (from is not null && SieveAddresses.ParseSingle(from) is null)
            throw new SieveRuntimeException(c.Line, $"invalid :from address \"{from}\"");
        var reason = Expand(c.Reason);
        var addresses = c.Addresses.Select(Expand).ToList();
        var handle = c.Handle is null
            // RFC 5230 section 4.2: without :handle, a change to the reply makes it a different reply.
            ? "auto:" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes($"{subject}\n{from}\n{c.Mime}\n{reason}")))[..32]
            : Expand(c.Handle);
        _result.Vacation = new SieveVacationAction(c.Seconds, subject, from, addresses, c.Mime, handle, reason);
    }

    private void Flags(SieveFlagCommand c)
    {
        List<string> target;
        string? variable = null;
        if (c.Variable is null)
        {
            target = _flags;
        }
        else
        {
            variable = Expand(c.Variable);
            target = SplitFlagText(GetVariable(variable));
        }
        var given = FlagList(c.Flags);
        switch (c.Operation)
        {
            case SieveFlagOperation.Set:
                target.Clear();
                target.AddRange(given);
                break;
            case SieveFlagOperation.Add:
                foreach (var f in given)
                    if (!target.Contains(f, StringComparer.OrdinalIgnoreCase))
                        target.Add(f);
                break;
            default:
                target.RemoveAll(f => given.Contains(f, StringComparer.OrdinalIgnoreCase));
                break;
        }
        if (variable is not null)
            SetVariable(variable, string.Join(' ', target), c.Line);
    }

    private void Set(SieveSet c)
    {
        var value = Expand(c.Value);
        foreach (var modifier in c.Modifiers)
        {
            value = modifier switch
            {
                "lower" => value.ToLowerInvariant(),
                "upper" => value.ToUpperInvariant(),
                "lowerfirst" => value.Length == 0 ? value : char.ToLowerInvariant(value[0]) + value[1..],
                "upperfirst" => value.Length == 0 ? value : char.ToUpperInvariant(value[0]) + value[1..],
                "quotewildcard" => value.Replace("\\", "\\\\").Replace("*", "\\*").Replace("?", "\\?"),
                // RFC 5435 section 6: percent-encoding of everything but RFC 3986 unreserved characters.
                "encodeurl" => Uri.EscapeDataString(value),
                // RFC 5229 section 4.1.1: the length in characters.
                "length" => new System.Globalization.StringInfo(value).LengthInTextElements.ToString(System.Globalization.CultureInfo.InvariantCulture),
                _ => value,
            };
        }
        SetVariable(c.Name, value, c.Line);
    }

    private void SetVariable(string name, string value, int line)
    {
        var (scope, key) = Scope(name);
        // The limit counts every variable of the run, so included scripts cannot multiply it.
        if (!scope.ContainsKey(key) && ++_variableCount > _limits.MaxVariables)
            throw new SieveRuntimeException(line, $"more than {_limits.MaxVariables} variables");
        scope[key] = value.Length > _limits.MaxVariableLength ? value[.._limits.MaxVariableLength] : value;
    }

    private string GetVariable(string name)
    {
        var (scope, key) = Scope(name);
        return scope.GetValueOrDefault(key, "");
    }

    /// <summary>RFC 6609 sections 3.4 and 3.5: "global.x", or a name this script declared global, is shared by the run.</summary>
    private (Dictionary<string, string> Scope, string Key) Scope(string name)
    {
        if (_includeExtension && name.StartsWith("global.", StringComparison.OrdinalIgnoreCase))
            return (_globals, name["global.".Length..]);
        return _globalNames.Contains(name) ? (_globals, name) : (_vars, name);
    }

    // ------------------------------------------------------------------ tests

    private bool Evaluate(SieveTest test)
    {
        Step(test.Line);
        switch (test)
        {
            case SieveConstantTest t:
                return t.Value;
            case SieveNotTest t:
                return !Evaluate(t.Inner);
            case SieveAllOfTest t:
                foreach (var inner in t.Tests)
                    if (!Evaluate(inner))
                        return false;
                return true;
            case SieveAnyOfTest t:
                foreach (var inner in t.Tests)
                    if (Evaluate(inner))
                        return true;
                return false;
            case SieveExistsTest t:
                foreach (var h in t.Headers)
                    if (_message.Header(Expand(h)).Count == 0)
                        return false;
                return true;
            case SieveSizeTest t:
                return t.Over ? _message.Size > t.Limit : _message.Size < t.Limit;
            case SieveHeaderTest t:
            {
                _scratch.Clear();
                foreach (var h in t.Headers)
                    _scratch.AddRange(_message.Header(Expand(h)));
                return Match(t.Match, _scratch, t.Keys, t.Line);
            }
            case SieveAddressTest t:
            {
                _scratch.Clear();
                foreach (var h in t.Headers)
                    _message.Addresses(Expand(h), _scratch);
                return Match(t.Match, Parts(_scratch, t.Part), t.Keys, t.Line);
            }
            case SieveEnvelopeTest t:
            {
                var values = new List<string>(2);
                foreach (var p in t.Parts)
                {
                    var part = Expand(p);
                    if (part.Equals("from", StringComparison.OrdinalIgnoreCase))
                        values.Add(_message.EnvelopeFrom);
                    else if (part.Equals("to", StringComparison.OrdinalIgnoreCase))
                        values.Add(_message.EnvelopeTo);
                }
                // RFC 5228 section 5.4: the null reverse-path matches "" with :all only.
                var parts = values.Select(v => v.Length == 0 ? (t.Part == SieveAddressPart.All ? "" : null) : SieveAddresses.Part(v, t.Part))
                    .Where(v => v is not null).Select(v => v!).ToList();
                return Match(t.Match, parts, t.Keys, t.Line);
            }
            case SieveBodyTest t:
            {
                var texts = _message.Body(t.Transform, t.ContentTypes.Select(ExpandText).ToArray());
                foreach (var text in texts)
                    _steps += text.Length / 1024;
                return Match(t.Match, texts, t.Keys, t.Line);
            }
            case SieveHasFlagTest t:
            {
                var flags = t.Variables is null
                    ? _flags
                    : t.Variables.SelectMany(v => SplitFlagText(GetVariable(Expand(v)))).ToList();
                return Match(t.Match, flags, t.Keys, t.Line);
            }
            case SieveStringTest t:
            {
                var sources = t.Sources.Select(Expand).ToList();
                // RFC 5229 section 5: for :count, empty strings are not counted.
                if (t.Match.Type == SieveMatchType.Count)
                    sources.RemoveAll(s => s.Length == 0);
                return Match(t.Match, sources, t.Keys, t.Line);
            }
            case SieveCurrentDateTest t:
            {
                var now = _environment.Now ?? DateTimeOffset.UtcNow;
                var local = now.ToOffset(t.Zone ?? TimeSpan.Zero);
                return Match(t.Match, [SieveDates.Part(local, t.DatePart)], t.Keys, t.Line);
            }
            case SieveValidNotifyMethodTest t:
                // RFC 5435 section 4: true when every URI is valid and its method supported.
                foreach (var uri in t.Uris)
                    if (SieveMailto.Parse(Expand(uri), out _) is null)
                        return false;
                return true;
            case SieveNotifyMethodCapabilityTest t:
            {
                // RFC 5435 section 5; RFC 5436 section 2.2: for mailto, "online" is always "maybe". An invalid URI or an
                // unknown capability fails the test.
                if (SieveMailto.Parse(Expand(t.Uri), out _) is null || !Expand(t.Capability).Equals("online", StringComparison.OrdinalIgnoreCase))
                    return false;
                return Match(t.Match, ["maybe"], t.Keys, t.Line);
            }
            case SieveMailboxExistsTest t:
                foreach (var n in t.Names)
                {
                    var name = Expand(n);
                    if (!SieveMailboxNames.IsValid(name) || _environment.MailboxExists?.Invoke(SieveMailboxNames.ToStoreName(name)) != true)
                        return false;
                }
                return true;
        }
        throw new SieveRuntimeException(test.Line, "unknown test");
    }

    private static List<string> Parts(List<string> addresses, SieveAddressPart part)
    {
        var list = new List<string>(addresses.Count);
        foreach (var a in addresses)
        {
            if (SieveAddresses.Part(a, part) is { } p)
                list.Add(p);
        }
        return list;
    }

    private bool Match(SieveMatch match, IReadOnlyList<string> values, SieveValue[] keys, int line)
    {
        var expanded = new string[keys.Length];
        for (var i = 0; i < keys.Length; i++)
            expanded[i] = Expand(keys[i]);
        var capturing = match.Type is SieveMatchType.Matches or SieveMatchType.Regex;
        bool matched;
        try
        {
            matched = SieveMatcher.Test(match, values, expanded, ref _steps, capturing ? _captures : null);
        }
        catch (SieveRegexException e)
        {
            throw new SieveRuntimeException(line, e.Message);
        }
        catch (RegexMatchTimeoutException)
        {
            throw new SieveRuntimeException(line, "a regular expression ran too long");
        }
        if (_steps > _limits.MaxSteps)
            throw new SieveRuntimeException(line, $"the script ran more than {_limits.MaxSteps} steps");
        // RFC 5229 section 3.2: match variables change only after a successful :matches.
        if (matched && _captures is not null && capturing)
            _matchValues = [.. _captures];
        return matched;
    }

    // ------------------------------------------------------------------ strings

    private string Expand(SieveValue value) => value.HasVariables ? ExpandText(value.Text) : value.Text;

    /// <summary>RFC 5229 section 3: "${name}" and "${N}"; an unknown name is ""; anything else stays as written.</summary>
    private string ExpandText(string text)
    {
        if (!_variables || !text.Contains("${", StringComparison.Ordinal))
            return text;
        var sb = new StringBuilder(text.Length);
        var i = 0;
        while (i < text.Length)
        {
            var open = text.IndexOf("${", i, StringComparison.Ordinal);
            if (open < 0)
                break;
            var close = text.IndexOf('}', open + 2);
            if (close < 0)
                break;
            var name = text.AsSpan(open + 2, close - open - 2);
            sb.Append(text, i, open - i);
            if (IsNumber(name))
            {
                var index = int.TryParse(name, out var n) ? n : int.MaxValue;
                sb.Append(index < _matchValues.Count ? _matchValues[index] : "");
            }
            else if (IsIdentifier(name) || (_includeExtension && name.StartsWith("global.", StringComparison.OrdinalIgnoreCase) && IsIdentifier(name["global.".Length..])))
            {
                sb.Append(GetVariable(name.ToString()));
            }
            else
            {
                sb.Append(text, open, close + 1 - open);
            }
            i = close + 1;
            if (sb.Length > _limits.MaxVariableLength * 4)
                break;
        }
        if (i < text.Length)
            sb.Append(text, i, text.Length - i);
        return sb.ToString();
    }

    private static bool IsNumber(ReadOnlySpan<char> s)
    {
        if (s.IsEmpty)
            return false;
        foreach (var c in s)
            if (!char.IsAsciiDigit(c))
                return false;
        return true;
    }

    private static bool IsIdentifier(ReadOnlySpan<char> s)
    {
        if (s.IsEmpty || !(char.IsAsciiLetter(s[0]) || s[0] == '_'))
            return false;
        foreach (var c in s)
            if (!(char.IsAsciiLetterOrDigit(c) || c == '_'))
                return false;
        return true;
    }

    // ------------------------------------------------------------------ flags (RFC 5232)

    private List<string> FlagList(SieveValue[] values)
    {
        var list = new List<string>();
        foreach (var v in values)
            foreach (var f in SplitFlagText(Expand(v)))
                if (!list.Contains(f, StringComparer.OrdinalIgnoreCase))
                    list.Add(f);
        return list;
    }

    private static List<string> SplitFlagText(string text) =>
        [.. text.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];

    /// <summary>System flags to <see cref="MessageFlags"/>, keywords kept when they are IMAP atoms; anything else is ignored (RFC 5232 section 3).</summary>
    private static (MessageFlags, List<string>) SplitFlags(List<string> flags)
    {
        var system = MessageFlags.None;
        var keywords = new List<string>();
        foreach (var f in flags)
        {
            if (f.StartsWith('\\'))
            {
                system |= f.ToLowerInvariant() switch
                {
                    "\\seen" => MessageFlags.Seen,
                    "\\answered" => MessageFlags.Answered,
                    "\\flagged" => MessageFlags.Flagged,
                    "\\deleted" => MessageFlags.Deleted,
                    "\\draft" => MessageFlags.Draft,
                    _ => MessageFlags.None,
                };
            }
            else if (f.Length <= 100 && f.All(c => c > ' ' && c < 0x7F && "(){%*\"\\]".IndexOf(c) < 0))
            {
                keywords.Add(f);
            }
        }
        return (system, keywords);
    }
}
