namespace HostingPanel.MailEngine.Sieve;

/// <summary>
/// The validator: checks every command and test against RFC 5228 and the required extensions and
/// turns the parse tree into the typed tree the interpreter runs. Every error names its line.
/// </summary>
internal sealed class SieveCompiler
{
    public const int MaxScriptLength = 256 * 1024;

    private enum Kind { Flag, String, StringList, Number }

    private static readonly HashSet<string> AddressHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "from", "sender", "reply-to", "to", "cc", "bcc", "resent-from", "resent-sender", "resent-reply-to", "resent-to", "resent-cc",
        "resent-bcc", "return-path", "delivered-to", "envelope-to", "x-original-to", "x-envelope-to", "errors-to", "mail-followup-to",
        "mail-reply-to", "disposition-notification-to", "original-recipient", "x-beenthere", "approved", "list-post",
    };

    private static readonly Dictionary<string, int> SetModifierPrecedence = new()
    {
        ["lower"] = 40, ["upper"] = 40, ["lowerfirst"] = 30, ["upperfirst"] = 30, ["quotewildcard"] = 20, ["encodeurl"] = 15, ["length"] = 10,
    };

    /// <summary>Pigeonhole's limit on the length of an included script's name (sieve_script_name_is_valid).</summary>
    public const int MaxIncludeNameLength = 128;

    private readonly HashSet<string> _required = new(StringComparer.Ordinal);
    private readonly List<(SieveIncludeLocation, string, bool, int)> _includes = [];

    private bool Variables => _required.Contains("variables");

    public static SieveScript Compile(string source)
    {
        if (source.Length > MaxScriptLength)
            throw new SieveCompileException(1, $"script larger than {MaxScriptLength / 1024} KiB");
        var tree = SieveParser.Parse(source);
        var compiler = new SieveCompiler();
        var commands = compiler.Block(tree, topLevel: true);
        return new SieveScript(commands, compiler._required, compiler._includes);
    }

    // ------------------------------------------------------------------ commands

    private SieveCommand[] Block(IReadOnlyList<SieveCommandNode> nodes, bool topLevel)
    {
        var list = new List<SieveCommand>(nodes.Count);
        var requireAllowed = topLevel;
        for (var i = 0; i < nodes.Count; i++)
        {
            var node = nodes[i];
            if (node.Name == "require")
            {
                // RFC 5228 section 3.2: require comes before any other command.
                if (!requireAllowed)
                    throw Error(node.Line, "'require' must come before any other command");
                Require(node);
                continue;
            }
            requireAllowed = false;
            switch (node.Name)
            {
                case "if":
                    list.Add(If(nodes, ref i));
                    continue;
                case "elsif" or "else":
                    throw Error(node.Line, $"'{node.Name}' without a preceding 'if'");
            }
            if (node.Block is not null)
                throw Error(node.Line, $"'{node.Name}' does not take a block");
            list.Add(Command(node));
        }
        return list.ToArray();
    }

    private void Require(SieveCommandNode node)
    {
        if (node.Block is not null || node.Tests.Count > 0 || node.Arguments.Count != 1 || node.Arguments[0] is not SieveStringListArgument list)
            throw Error(node.Line, "usage: require <capabilities: string-list>;");
        foreach (var capability in list.Values)
        {
            if (!SieveCapabilities.IsSupported(capability))
                throw Error(node.Line, $"unsupported extension \"{capability}\"");
            _required.Add(capability);
            if (capability == "vacation-seconds")
                _required.Add("vacation");
        }
    }

    private SieveIf If(IReadOnlyList<SieveCommandNode> nodes, ref int i)
    {
        var first = nodes[i];
        var branches = new List<(SieveTest?, SieveCommand[])> { Branch(first) };
        while (i + 1 < nodes.Count && nodes[i + 1].Name is "elsif" or "else")
        {
            var next = nodes[++i];
            if (next.Name == "elsif")
            {
                branches.Add(Branch(next));
                continue;
            }
            if (next.Arguments.Count > 0 || next.Tests.Count > 0 || next.Block is null)
                throw Error(next.Line, "usage: else { ... }");
            branches.Add((null, Block(next.Block, topLevel: false)));
            break;
        }
        return new SieveIf(branches, first.Line);
    }

    private (SieveTest?, SieveCommand[]) Branch(SieveCommandNode node)
    {
        if (node.Arguments.Count > 0 || node.Tests.Count != 1 || node.Block is null)
            throw Error(node.Line, $"usage: {node.Name} <test> {{ ... }}");
        return (Test(node.Tests[0]), Block(node.Block, topLevel: false));
    }

    private SieveCommand Command(SieveCommandNode node)
    {
        if (node.Tests.Count > 0)
            throw Error(node.Line, $"'{node.Name}' does not take a test");
        var line = node.Line;
        switch (node.Name)
        {
            case "stop":
                Expect(node, 0, "stop;");
                return new SieveStop(line);
            case "discard":
                Expect(node, 0, "discard;");
                return new SieveDiscard(line);
            case "keep":
            {
                var a = Read(node.Name, node.Arguments, line, new() { ["flags"] = Kind.StringList });
                ExpectPositional(a, 0, line, "keep [:flags <list-of-flags>];");
                return new SieveKeep(Flags(a, line), line);
            }
            case "fileinto":
            {
                Need("fileinto", line, "fileinto");
                var a = Read(node.Name, node.Arguments, line, new() { ["copy"] = Kind.Flag, ["create"] = Kind.Flag, ["flags"] = Kind.StringList });
                ExpectPositional(a, 1, line, "fileinto [:copy] [:create] [:flags <list>] <mailbox: string>;");
                if (a.Tags.ContainsKey("copy"))
                    Need("copy", line, ":copy");
                if (a.Tags.ContainsKey("create"))
                    Need("mailbox", line, ":create");
                var mailbox = Single(a.Positional[0], line, "mailbox");
                if (!mailbox.HasVariables && !SieveMailboxNames.IsValid(mailbox.Text))
                    throw Error(line, $"invalid mailbox name \"{mailbox.Text}\"");
                return new SieveFileInto(mailbox, a.Tags.ContainsKey("copy"), a.Tags.ContainsKey("create"), Flags(a, line), line);
            }
            case "redirect":
            {
                var a = Read(node.Name, node.Arguments, line, new() { ["copy"] = Kind.Flag });
                ExpectPositional(a, 1, line, "redirect [:copy] <address: string>;");
                if (a.Tags.ContainsKey("copy"))
                    Need("copy", line, ":copy");
                var address = Single(a.Positional[0], line, "address");
                // RFC 5228 section 4.2: an invalid literal address is a syntax error.
                if (!address.HasVariables && SieveAddresses.ParseSingle(address.Text) is null)
                    throw Error(line, $"invalid redirect address \"{address.Text}\"");
                return new SieveRedirect(address, a.Tags.ContainsKey("copy"), line);
            }
            case "reject" or "ereject":
            {
                Need(node.Name, line, node.Name);
                var a = Read(node.Name, node.Arguments, line, []);
                ExpectPositional(a, 1, line, $"{node.Name} <reason: string>;");
                return new SieveReject(Single(a.Positional[0], line, "reason"), node.Name == "ereject", line);
            }
            case "vacation":
                return Vacation(node);
            case "setflag" or "addflag" or "removeflag":
            {
                Need("imap4flags", line, node.Name);
                var a = Read(node.Name, node.Arguments, line, []);
                if (a.Positional.Count is < 1 or > 2)
                    throw Error(line, $"usage: {node.Name} [<variablename: string>] <list-of-flags: string-list>;");
                SieveValue? variable = null;
                if (a.Positional.Count == 2)
                {
                    Need("variables", line, "a flag variable");
                    variable = Single(a.Positional[0], line, "variable name");
                    CheckVariableName(variable.Text, line);
                }
                var op = node.Name switch { "setflag" => SieveFlagOperation.Set, "addflag" => SieveFlagOperation.Add, _ => SieveFlagOperation.Remove };
                return new SieveFlagCommand(op, variable, List(a.Positional[^1], line, "flags"), line);
            }
            case "set":
                return Set(node);
            case "addheader":
            {
                Need("editheader", line, "addheader");
                var a = Read(node.Name, node.Arguments, line, new() { ["last"] = Kind.Flag });
                ExpectPositional(a, 2, line, "addheader [:last] <field-name: string> <value: string>;");
                var name = Single(a.Positional[0], line, "field name");
                var value = Single(a.Positional[1], line, "value");
                if (!name.HasVariables && SieveHeaderEdits.FieldNameError(name.Text) is { } nameError)
                    throw Error(line, nameError);
                if (!value.HasVariables && SieveHeaderEdits.ValueError(name.Text, value.Text) is { } valueError)
                    throw Error(line, valueError);
                return new SieveAddHeader(a.Tags.ContainsKey("last"), name, value, line);
            }
            case "deleteheader":
                return DeleteHeader(node);
            case "include":
                return Include(node);
            case "return":
                Need("include", line, "return");
                Expect(node, 0, "return;");
                return new SieveReturn(line);
            case "global":
            {
                Need("include", line, "global");
                Need("variables", line, "global");
                var a = Read(node.Name, node.Arguments, line, []);
                ExpectPositional(a, 1, line, "global <value: string-list>;");
                var names = List(a.Positional[0], line, "variable names");
                foreach (var n in names)
                {
                    // RFC 6609 section 3.4: plain identifiers (the "global." namespace is the other way in).
                    if (n.HasVariables || n.Text.Contains('.'))
                        throw Error(line, $"invalid global variable name \"{n.Text}\"");
                    CheckVariableName(n.Text, line);
                }
                return new SieveGlobal(names.Select(n => n.Text.ToLowerInvariant()).ToArray(), line);
            }
            case "notify":
                return Notify(node);
        }
        throw Error(line, $"unknown command '{node.Name}'" + RequireHint(node.Name));
    }

    private SieveVacation Vacation(SieveCommandNode node)
    {
        var line = node.Line;
        Need("vacation", line, "vacation");
        var a = Read(node.Name, node.Arguments, line, new()
        {
            ["days"] = Kind.Number, ["seconds"] = Kind.Number, ["subject"] = Kind.String, ["from"] = Kind.String,
            ["addresses"] = Kind.StringList, ["mime"] = Kind.Flag, ["handle"] = Kind.String,
        });
        ExpectPositional(a, 1, line, "vacation [:days number | :seconds number] [:subject string] [:from string] [:addresses string-list] [:mime] [:handle string] <reason: string>;");
        long? seconds = null;
        if (a.Tags.TryGetValue("days", out var days))
            seconds = ((SieveNumberArgument)days!).Value * 86400;
        if (a.Tags.TryGetValue("seconds", out var secs))
        {
            Need("vacation-seconds", line, ":seconds");
            if (days is not null)
                throw Error(line, ":days and :seconds cannot be used together");
            seconds = ((SieveNumberArgument)secs!).Value;
        }
        var from = a.Tags.TryGetValue("from", out var f) ? Single(f!, line, ":from") : null;
        if (from is { HasVariables: false } && SieveAddresses.ParseSingle(from.Text) is null)
            throw Error(line, $"invalid :from address \"{from.Text}\"");
        var addresses = a.Tags.TryGetValue("addresses", out var ad) ? List(ad!, line, ":addresses") : [];
        return new SieveVacation(seconds,
            a.Tags.TryGetValue("subject", out var s) ? Single(s!, line, ":subject") : null,
            from, addresses, a.Tags.ContainsKey("mime"),
            a.Tags.TryGetValue("handle", out var h) ? Single(h!, line, ":handle") : null,
            Single(a.Positional[0], line, "reason"), line);
    }

    /// <summary>RFC 6609 section 3.2. The name is a constant: delivery loads every named script before the run.</summary>
    private SieveInclude Include(SieveCommandNode node)
    {
        var line = node.Line;
        Need("include", line, "include");
        var a = Read(node.Name, node.Arguments, line, new() { ["personal"] = Kind.Flag, ["global"] = Kind.Flag, ["once"] = Kind.Flag, ["optional"] = Kind.Flag });
        ExpectPositional(a, 1, line, "include [:personal / :global] [:once] [:optional] <value: string>;");
        if (a.Tags.ContainsKey("personal") && a.Tags.ContainsKey("global"))
            throw Error(line, ":personal and :global cannot be used together");
        var name = Single(a.Positional[0], line, "script name").Text;
        if (IncludeNameError(name) is { } error)
            throw Error(line, error);
        var location = a.Tags.ContainsKey("global") ? SieveIncludeLocation.Global : SieveIncludeLocation.Personal;
        var optional = a.Tags.ContainsKey("optional");
        _includes.Add((location, name, optional, line));
        return new SieveInclude(location, a.Tags.ContainsKey("once"), optional, name, line);
    }

    /// <summary>
    /// Why <paramref name="name"/> cannot name an included script, or null. The name is a constant (variables are not
    /// expanded in it, RFC 6609 section 3.2), a valid ManageSieve script name (RFC 5804 section 1.6), and never a path:
    /// no "/" or "\\" and no leading ".", so ":global" cannot reach outside the site's script directory.
    /// </summary>
    internal static string? IncludeNameError(string name)
    {
        if (name.Contains("${", StringComparison.Ordinal))
            return "the name of an included script must be a constant (no variables)";
        if (name.Length is 0 or > MaxIncludeNameLength || name.Contains('/') || name.Contains('\\') || name.StartsWith('.')
            || !SieveScriptStore.IsValidName(name))
            return $"invalid script name \"{(name.Length > 60 ? name[..60] + "..." : name)}\"";
        return null;
    }

    /// <summary>RFC 5435 section 3; the method's own rules are RFC 5436's (mailto).</summary>
    private SieveNotify Notify(SieveCommandNode node)
    {
        var line = node.Line;
        Need("enotify", line, "notify");
        var a = Read(node.Name, node.Arguments, line, new()
        {
            ["from"] = Kind.String, ["importance"] = Kind.String, ["options"] = Kind.StringList, ["message"] = Kind.String,
        });
        ExpectPositional(a, 1, line, "notify [:from string] [:importance <\"1\" / \"2\" / \"3\">] [:options string-list] [:message string] <method: string>;");
        var method = Single(a.Positional[0], line, "method");
        // RFC 5435 section 3.1: an invalid or unsupported constant URI is an error the script's author sees at upload.
        if (!method.HasVariables && SieveMailto.Parse(method.Text, out var uriError) is null)
            throw Error(line, uriError!);
        var from = a.Tags.TryGetValue("from", out var f) ? Single(f!, line, ":from") : null;
        if (from is { HasVariables: false } && SieveAddresses.ParseSingle(from.Text) is null)
            throw Error(line, $"invalid :from address \"{from.Text}\"");
        var importance = a.Tags.TryGetValue("importance", out var i) ? Single(i!, line, ":importance") : null;
        if (importance is { HasVariables: false } && importance.Text is not ("1" or "2" or "3"))
            throw Error(line, ":importance must be \"1\", \"2\" or \"3\"");
        return new SieveNotify(from, importance, a.Tags.TryGetValue("options", out var o) ? List(o!, line, ":options") : [],
            a.Tags.TryGetValue("message", out var m) ? Single(m!, line, ":message") : null, method, line);
    }

    private SieveDeleteHeader DeleteHeader(SieveCommandNode node)
    {
        var line = node.Line;
        Need("editheader", line, "deleteheader");
        var a = Read(node.Name, node.Arguments, line, new() { ["index"] = Kind.Number, ["last"] = Kind.Flag }, match: true);
        if (a.Positional.Count is < 1 or > 2)
            throw Error(line, "usage: deleteheader [:index <fieldno: number> [:last]] [COMPARATOR] [MATCH-TYPE] <field-name: string> [<value-patterns: string-list>];");
        var index = 0;
        if (a.Tags.TryGetValue("index", out var n))
        {
            // RFC 5293 section 5: field numbers start at 1.
            var value = ((SieveNumberArgument)n!).Value;
            if (value is < 1 or > int.MaxValue)
                throw Error(line, ":index must be 1 or more");
            index = (int)value;
        }
        else if (a.Tags.ContainsKey("last"))
        {
            throw Error(line, ":last needs :index");
        }
        var name = Single(a.Positional[0], line, "field name");
        if (!name.HasVariables && SieveHeaderEdits.FieldNameError(name.Text) is { } nameError)
            throw Error(line, nameError);
        var patterns = a.Positional.Count == 2 ? Keys(a, 1, line) : null;
        return new SieveDeleteHeader(index, a.Tags.ContainsKey("last"), a.Match, name, patterns, line);
    }

    private SieveSet Set(SieveCommandNode node)
    {
        var line = node.Line;
        Need("variables", line, "set");
        var tags = SetModifierPrecedence.Keys.ToDictionary(k => k, _ => Kind.Flag);
        var a = Read(node.Name, node.Arguments, line, tags);
        // RFC 5435 section 6: ":encodeurl" comes with enotify.
        if (a.Tags.ContainsKey("encodeurl"))
            Need("enotify", line, ":encodeurl");
        ExpectPositional(a, 2, line, "set [MODIFIER] <name: string> <value: string>;");
        var name = Single(a.Positional[0], line, "variable name");
        CheckVariableName(name.Text, line);
        var modifiers = a.Tags.Keys.OrderByDescending(m => SetModifierPrecedence[m]).ToArray();
        // RFC 5229 section 4.1: two modifiers of the same precedence are an error.
        for (var i = 1; i < modifiers.Length; i++)
        {
            if (SetModifierPrecedence[modifiers[i]] == SetModifierPrecedence[modifiers[i - 1]])
                throw Error(line, $"':{modifiers[i - 1]}' and ':{modifiers[i]}' cannot be used together");
        }
        return new SieveSet(name.Text.ToLowerInvariant(), Single(a.Positional[1], line, "value"), modifiers, line);
    }

    // ------------------------------------------------------------------ tests

    private SieveTest Test(SieveTestNode node)
    {
        var line = node.Line;
        switch (node.Name)
        {
            case "true" or "false":
                NoArguments(node);
                return new SieveConstantTest(node.Name == "true", line);
            case "not":
                if (node.Arguments.Count > 0 || node.Tests.Count != 1)
                    throw Error(line, "usage: not <test>");
                return new SieveNotTest(Test(node.Tests[0]), line);
            case "allof" or "anyof":
                if (node.Arguments.Count > 0 || node.Tests.Count == 0)
                    throw Error(line, $"usage: {node.Name} (<test>, ...)");
                var tests = node.Tests.Select(Test).ToArray();
                return node.Name == "allof" ? new SieveAllOfTest(tests, line) : new SieveAnyOfTest(tests, line);
        }
        if (node.Tests.Count > 0)
            throw Error(line, $"test '{node.Name}' does not take a test");
        switch (node.Name)
        {
            case "exists":
            {
                var a = Read(node.Name, node.Arguments, line, []);
                ExpectPositional(a, 1, line, "exists <header-names: string-list>");
                return new SieveExistsTest(List(a.Positional[0], line, "header names"), line);
            }
            case "size":
            {
                var a = Read(node.Name, node.Arguments, line, new() { ["over"] = Kind.Flag, ["under"] = Kind.Flag });
                if (a.Tags.Count != 1 || a.Positional.Count != 1 || a.Positional[0] is not SieveNumberArgument n)
                    throw Error(line, "usage: size <\":over\" / \":under\"> <limit: number>");
                return new SieveSizeTest(a.Tags.ContainsKey("over"), n.Value, line);
            }
            case "header":
            {
                var a = Read(node.Name, node.Arguments, line, [], match: true);
                ExpectPositional(a, 2, line, "header [COMPARATOR] [MATCH-TYPE] <header-names: string-list> <key-list: string-list>");
                return new SieveHeaderTest(a.Match, List(a.Positional[0], line, "header names"), Keys(a, 1, line), line);
            }
            case "address":
            {
                var a = Read(node.Name, node.Arguments, line, [], match: true, addressPart: true);
                ExpectPositional(a, 2, line, "address [COMPARATOR] [ADDRESS-PART] [MATCH-TYPE] <header-list: string-list> <key-list: string-list>");
                var headers = List(a.Positional[0], line, "header names");
                foreach (var h in headers)
                {
                    // RFC 5228 section 5.1: the address test is restricted to headers that contain addresses.
                    if (!h.HasVariables && !AddressHeaders.Contains(h.Text))
                        throw Error(line, $"\"{h.Text}\" is not an address header");
                }
                return new SieveAddressTest(a.Match, a.Part, headers, Keys(a, 1, line), line);
            }
            case "envelope":
            {
                Need("envelope", line, "envelope");
                var a = Read(node.Name, node.Arguments, line, [], match: true, addressPart: true);
                ExpectPositional(a, 2, line, "envelope [COMPARATOR] [ADDRESS-PART] [MATCH-TYPE] <envelope-part: string-list> <key-list: string-list>");
                var parts = List(a.Positional[0], line, "envelope parts");
                foreach (var p in parts)
                {
                    if (!p.HasVariables && !p.Text.Equals("from", StringComparison.OrdinalIgnoreCase) && !p.Text.Equals("to", StringComparison.OrdinalIgnoreCase))
                        throw Error(line, $"unknown envelope part \"{p.Text}\" (\"from\" or \"to\")");
                }
                return new SieveEnvelopeTest(a.Match, a.Part, parts, Keys(a, 1, line), line);
            }
            case "body":
            {
                Need("body", line, "body");
                var a = Read(node.Name, node.Arguments, line, new() { ["raw"] = Kind.Flag, ["text"] = Kind.Flag, ["content"] = Kind.StringList }, match: true);
                ExpectPositional(a, 1, line, "body [COMPARATOR] [MATCH-TYPE] [:raw / :content <string-list> / :text] <key-list: string-list>");
                var transforms = a.Tags.Keys.Count(k => k is "raw" or "text" or "content");
                if (transforms > 1)
                    throw Error(line, "only one of :raw, :content and :text");
                var transform = a.Tags.ContainsKey("raw") ? SieveBodyTransform.Raw
                    : a.Tags.ContainsKey("content") ? SieveBodyTransform.Content : SieveBodyTransform.Text;
                var types = a.Tags.TryGetValue("content", out var c) ? ((SieveStringListArgument)c!).Values.ToArray() : [];
                return new SieveBodyTest(a.Match, transform, types, Keys(a, 0, line), line);
            }
            case "hasflag":
            {
                Need("imap4flags", line, "hasflag");
                var a = Read(node.Name, node.Arguments, line, [], match: true);
                if (a.Positional.Count is < 1 or > 2)
                    throw Error(line, "usage: hasflag [MATCH-TYPE] [COMPARATOR] [<variable-list: string-list>] <list-of-flags: string-list>");
                SieveValue[]? variables = null;
                if (a.Positional.Count == 2)
                {
                    Need("variables", line, "a flag variable");
                    variables = List(a.Positional[0], line, "variable names");
                    foreach (var v in variables)
                        CheckVariableName(v.Text, line);
                }
                return new SieveHasFlagTest(a.Match, variables, Keys(a, a.Positional.Count - 1, line), line);
            }
            case "string":
            {
                Need("variables", line, "string");
                var a = Read(node.Name, node.Arguments, line, [], match: true);
                ExpectPositional(a, 2, line, "string [MATCH-TYPE] [COMPARATOR] <source: string-list> <key-list: string-list>");
                return new SieveStringTest(a.Match, List(a.Positional[0], line, "source"), Keys(a, 1, line), line);
            }
            case "currentdate":
            {
                Need("date", line, "currentdate");
                var a = Read(node.Name, node.Arguments, line, new() { ["zone"] = Kind.String }, match: true);
                ExpectPositional(a, 2, line, "currentdate [:zone <time-zone: string>] [COMPARATOR] [MATCH-TYPE] <date-part: string> <key-list: string-list>");
                TimeSpan? zone = null;
                if (a.Tags.TryGetValue("zone", out var z))
                {
                    var text = ((SieveStringListArgument)z!).Values[0];
                    zone = SieveDates.ParseZone(text) ?? throw Error(line, $"invalid time zone \"{text}\" (+hhmm or -hhmm)");
                }
                var part = Single(a.Positional[0], line, "date part").Text.ToLowerInvariant();
                if (!SieveDates.Parts.Contains(part))
                    throw Error(line, $"unknown date part \"{part}\"");
                return new SieveCurrentDateTest(a.Match, zone, part, Keys(a, 1, line), line);
            }
            case "valid_notify_method":
            {
                Need("enotify", line, "valid_notify_method");
                var a = Read(node.Name, node.Arguments, line, []);
                ExpectPositional(a, 1, line, "valid_notify_method <notification-uris: string-list>");
                return new SieveValidNotifyMethodTest(List(a.Positional[0], line, "notification URIs"), line);
            }
            case "notify_method_capability":
            {
                Need("enotify", line, "notify_method_capability");
                var a = Read(node.Name, node.Arguments, line, [], match: true);
                ExpectPositional(a, 3, line, "notify_method_capability [COMPARATOR] [MATCH-TYPE] <notification-uri: string> <notification-capability: string> <key-list: string-list>");
                return new SieveNotifyMethodCapabilityTest(a.Match, Single(a.Positional[0], line, "notification URI"),
                    Single(a.Positional[1], line, "notification capability"), Keys(a, 2, line), line);
            }
            case "mailboxexists":
            {
                Need("mailbox", line, "mailboxexists");
                var a = Read(node.Name, node.Arguments, line, []);
                ExpectPositional(a, 1, line, "mailboxexists <mailbox-names: string-list>");
                return new SieveMailboxExistsTest(List(a.Positional[0], line, "mailbox names"), line);
            }
        }
        throw Error(line, $"unknown test '{node.Name}'" + RequireHint(node.Name));
    }

    // ------------------------------------------------------------------ arguments

    private sealed class Arguments
    {
        public readonly Dictionary<string, SieveArgument?> Tags = new(StringComparer.Ordinal);
        public readonly List<SieveArgument> Positional = [];
        public SieveMatch Match = SieveMatch.Default;
        public SieveAddressPart Part = SieveAddressPart.All;
    }

    /// <summary>Tagged arguments first (RFC 5228 section 2.6.2), each at most once; then positional ones.</summary>
    private Arguments Read(string command, IReadOnlyList<SieveArgument> args, int line, Dictionary<string, Kind> tags, bool match = false, bool addressPart = false)
    {
        var result = new Arguments();
        SieveComparator? comparator = null;
        SieveMatchType? type = null;
        var relation = SieveRelation.Eq;
        SieveAddressPart? part = null;
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (arg is not SieveTagArgument tag)
            {
                result.Positional.Add(arg);
                continue;
            }
            if (result.Positional.Count > 0)
                throw Error(tag.Line, $"tag ':{tag.Name}' after a positional argument of '{command}'");
            if (match && tag.Name == "comparator")
            {
                if (comparator is not null)
                    throw Error(tag.Line, "more than one :comparator");
                var name = TakeString(args, ref i, tag);
                comparator = name.ToLowerInvariant() switch
                {
                    "i;octet" => SieveComparator.Octet,
                    "i;ascii-casemap" => SieveComparator.AsciiCasemap,
                    "i;ascii-numeric" => NeedReturn("comparator-i;ascii-numeric", tag.Line, SieveComparator.AsciiNumeric),
                    _ => throw Error(tag.Line, $"unknown comparator \"{name}\""),
                };
                continue;
            }
            if (match && tag.Name is "is" or "contains" or "matches" or "value" or "count" or "regex")
            {
                if (type is not null)
                    throw Error(tag.Line, "more than one match type");
                type = tag.Name switch
                {
                    "is" => SieveMatchType.Is,
                    "contains" => SieveMatchType.Contains,
                    "matches" => SieveMatchType.Matches,
                    "value" => SieveMatchType.Value,
                    "regex" => NeedReturn("regex", tag.Line, SieveMatchType.Regex),
                    _ => SieveMatchType.Count,
                };
                if (type is SieveMatchType.Value or SieveMatchType.Count)
                {
                    Need("relational", tag.Line, $":{tag.Name}");
                    var rel = TakeString(args, ref i, tag);
                    relation = rel.ToLowerInvariant() switch
                    {
                        "gt" => SieveRelation.Gt, "ge" => SieveRelation.Ge, "lt" => SieveRelation.Lt,
                        "le" => SieveRelation.Le, "eq" => SieveRelation.Eq, "ne" => SieveRelation.Ne,
                        _ => throw Error(tag.Line, $"unknown relation \"{rel}\" (gt, ge, lt, le, eq, ne)"),
                    };
                }
                continue;
            }
            if (addressPart && tag.Name is "all" or "localpart" or "domain" or "user" or "detail")
            {
                if (part is not null)
                    throw Error(tag.Line, "more than one address part");
                if (tag.Name is "user" or "detail")
                    Need("subaddress", tag.Line, $":{tag.Name}");
                part = tag.Name switch
                {
                    "all" => SieveAddressPart.All, "localpart" => SieveAddressPart.LocalPart, "domain" => SieveAddressPart.Domain,
                    "user" => SieveAddressPart.User, _ => SieveAddressPart.Detail,
                };
                continue;
            }
            if (!tags.TryGetValue(tag.Name, out var kind))
                throw Error(tag.Line, $"unknown tag ':{tag.Name}' for '{command}'");
            if (result.Tags.ContainsKey(tag.Name))
                throw Error(tag.Line, $"tag ':{tag.Name}' given twice");
            if (kind == Kind.Flag)
            {
                result.Tags[tag.Name] = null;
                continue;
            }
            if (i + 1 >= args.Count || args[i + 1] is SieveTagArgument)
                throw Error(tag.Line, $"tag ':{tag.Name}' needs a value");
            var value = args[++i];
            var ok = kind switch
            {
                Kind.Number => value is SieveNumberArgument,
                Kind.String => value is SieveStringListArgument { IsList: false } or SieveStringListArgument { Values.Count: 1 },
                _ => value is SieveStringListArgument,
            };
            if (!ok)
                throw Error(tag.Line, $"tag ':{tag.Name}' needs a {(kind == Kind.Number ? "number" : kind == Kind.String ? "string" : "string list")}");
            result.Tags[tag.Name] = value;
        }
        result.Match = new SieveMatch(comparator ?? SieveComparator.AsciiCasemap, type ?? SieveMatchType.Is, relation);
        if (type == SieveMatchType.Regex)
        {
            // Only the two comparators a regular expression can honour; constant keys are checked now (a pattern with
            // variables is checked when it runs, and a bad one there is a runtime error: the mail is kept).
            if (result.Match.Comparator is not (SieveComparator.Octet or SieveComparator.AsciiCasemap))
                throw Error(line, ":regex works only with the i;octet and i;ascii-casemap comparators");
            foreach (var key in result.Positional.OfType<SieveStringListArgument>().LastOrDefault()?.Values ?? [])
                if (!(_required.Contains("variables") && key.Contains("${", StringComparison.Ordinal))
                    && SieveRegex.Get(key, result.Match.Comparator == SieveComparator.AsciiCasemap, out var error) is null)
                    throw Error(line, error!);
        }
        result.Part = part ?? SieveAddressPart.All;
        return result;
    }

    private static string TakeString(IReadOnlyList<SieveArgument> args, ref int i, SieveTagArgument tag)
    {
        if (i + 1 >= args.Count || args[i + 1] is not SieveStringListArgument { Values.Count: 1 } s)
            throw new SieveCompileException(tag.Line, $"tag ':{tag.Name}' needs a string");
        i++;
        return s.Values[0];
    }

    private static void ExpectPositional(Arguments a, int count, int line, string usage)
    {
        if (a.Positional.Count != count)
            throw new SieveCompileException(line, "usage: " + usage);
    }

    private static void Expect(SieveCommandNode node, int count, string usage)
    {
        if (node.Arguments.Count != count)
            throw new SieveCompileException(node.Line, "usage: " + usage);
    }

    private static void NoArguments(SieveTestNode node)
    {
        if (node.Arguments.Count > 0 || node.Tests.Count > 0)
            throw new SieveCompileException(node.Line, $"'{node.Name}' takes no arguments");
    }

    private SieveValue Single(SieveArgument arg, int line, string what)
    {
        if (arg is not SieveStringListArgument { Values.Count: 1 } s)
            throw Error(line, $"{what} must be a single string");
        return Value(s.Values[0]);
    }

    private SieveValue[] List(SieveArgument arg, int line, string what)
    {
        if (arg is not SieveStringListArgument s)
            throw Error(line, $"{what} must be a string list");
        return s.Values.Select(Value).ToArray();
    }

    private SieveValue[] Keys(Arguments a, int index, int line) => List(a.Positional[index], line, "key list");

    private SieveValue[]? Flags(Arguments a, int line)
    {
        if (!a.Tags.TryGetValue("flags", out var flags))
            return null;
        Need("imap4flags", line, ":flags");
        return List(flags!, line, ":flags");
    }

    private SieveValue Value(string text) => new(text, Variables && text.Contains("${", StringComparison.Ordinal));

    private void CheckVariableName(string name, int line)
    {
        // RFC 6609 section 3.5: the "global" namespace names a global variable directly.
        if (_required.Contains("include") && name.StartsWith("global.", StringComparison.OrdinalIgnoreCase))
            name = name["global.".Length..];
        // RFC 5229 section 3: variable-name = identifier (no other namespace is supported here).
        if (name.Length == 0 || !(char.IsAsciiLetter(name[0]) || name[0] == '_') || !name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
            throw new SieveCompileException(line, $"invalid variable name \"{name}\"");
    }

    private void Need(string capability, int line, string what)
    {
        if (!_required.Contains(capability))
            throw Error(line, $"{what} needs require \"{capability}\"");
    }

    private T NeedReturn<T>(string capability, int line, T value)
    {
        Need(capability, line, capability);
        return value;
    }

    private static string RequireHint(string name) =>
        SieveCapabilities.IsSupported(name) ? $" (missing require \"{name}\"?)" : "";

    private static SieveCompileException Error(int line, string message) => new(line, message);
}
