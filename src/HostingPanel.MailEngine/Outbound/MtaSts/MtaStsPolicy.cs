namespace HostingPanel.MailEngine.Outbound.MtaSts;

/// <summary>RFC 8461 section 5: what a sender does when a receiving MX fails the policy.</summary>
public enum MtaStsMode
{
    /// <summary>Deliver only to matching MX hosts over TLS with a valid certificate.</summary>
    Enforce,
    /// <summary>Report failures (TLS-RPT) but deliver anyway.</summary>
    Testing,
    /// <summary>No policy in force (a domain withdrawing its policy).</summary>
    None,
}

/// <summary>
/// An MTA-STS policy as fetched from <c>https://mta-sts.&lt;domain&gt;/.well-known/mta-sts.txt</c>.
/// Only the grammar and the MX match are here; fetching, caching and enforcing are not yet wired
/// into the outbound queue (docs/smtp.md, "Known limits").
/// </summary>
/// <remarks>
/// <code>
/// sts-policy-record = *WSP sts-policy-field *WSP *(sts-policy-term sts-policy-field *WSP) [sts-policy-term]  ; RFC 8461 3.2
/// sts-policy-term   = LF / CRLF
/// sts-policy-field  = sts-policy-version / sts-policy-mode / sts-policy-max-age / sts-policy-mx / sts-policy-extension
/// sts-policy-version = "version" *WSP ":" *WSP "STSv1"
/// sts-policy-mode   = "mode" *WSP ":" *WSP ("testing" / "enforce" / "none")
/// sts-policy-max-age = "max_age" *WSP ":" *WSP 1*10DIGIT         ; at most 31557600
/// sts-policy-mx     = "mx" *WSP ":" *WSP ["*."] Domain             ; may repeat
/// </code>
/// </remarks>
public sealed record MtaStsPolicy(MtaStsMode Mode, IReadOnlyList<string> MxPatterns, TimeSpan MaxAge)
{
    /// <summary>RFC 8461 3.2: max_age is at most 31557600 seconds (about one year).</summary>
    public const long MaxAgeLimitSeconds = 31_557_600;

    /// <summary>RFC 8461 3.3: a policy body larger than 64 KiB is not to be read.</summary>
    public const int MaxBodyBytes = 64 * 1024;

    /// <summary>Parses a policy body; null with <paramref name="error"/> when it is not a valid STSv1 policy.</summary>
    public static MtaStsPolicy? Parse(string body, out string? error)
    {
        error = null;
        string? version = null;
        MtaStsMode? mode = null;
        long? maxAge = null;
        var mx = new List<string>();
        foreach (var raw in body.Split('\n'))
        {
            var line = raw.TrimEnd('\r').Trim(' ', '\t');
            if (line.Length == 0)
                continue;
            var colon = line.IndexOf(':');
            if (colon <= 0)
            {
                error = $"not a key: value line: {line}";
                return null;
            }
            var key = line[..colon].TrimEnd(' ', '\t');
            var value = line[(colon + 1)..].Trim(' ', '\t');
            switch (key)
            {
                case "version":
                    version ??= value;
                    break;
                case "mode":
                    mode ??= value switch { "enforce" => MtaStsMode.Enforce, "testing" => MtaStsMode.Testing, "none" => MtaStsMode.None, _ => null };
                    if (mode is null)
                    {
                        error = $"unknown mode {value}";
                        return null;
                    }
                    break;
                case "max_age":
                    if (value.Length is 0 or > 10 || !value.All(char.IsAsciiDigit) || long.Parse(value) > MaxAgeLimitSeconds)
                    {
                        error = "max_age must be 0 to 31557600 seconds";
                        return null;
                    }
                    maxAge ??= long.Parse(value);
                    break;
                case "mx":
                    if (!IsMxPattern(value))
                    {
                        error = $"not an MX pattern: {value}";
                        return null;
                    }
                    mx.Add(value.TrimEnd('.').ToLowerInvariant());
                    break;
                default:
                    break; // sts-policy-extension: ignored (3.2)
            }
        }
        if (version != "STSv1")
            error = "version must be STSv1";
        else if (mode is null)
            error = "mode is missing";
        else if (maxAge is null)
            error = "max_age is missing";
        else if (mx.Count == 0 && mode != MtaStsMode.None)
            error = "no mx in a policy that is not mode none";
        return error is null ? new MtaStsPolicy(mode!.Value, mx, TimeSpan.FromSeconds(maxAge!.Value)) : null;
    }

    /// <summary>
    /// RFC 8461 section 4.1: an MX host name matches a pattern exactly, or a "*." pattern by its
    /// leftmost label only ("*.example.com" matches "mx1.example.com", not "example.com" nor "a.b.example.com").
    /// </summary>
    public bool Matches(string mxHost)
    {
        var host = mxHost.TrimEnd('.').ToLowerInvariant();
        foreach (var pattern in MxPatterns)
        {
            if (pattern.StartsWith("*.", StringComparison.Ordinal))
            {
                var dot = host.IndexOf('.');
                if (dot > 0 && host[(dot + 1)..] == pattern[2..])
                    return true;
            }
            else if (host == pattern)
            {
                return true;
            }
        }
        return false;
    }

    private static bool IsMxPattern(string value)
    {
        var name = value.StartsWith("*.", StringComparison.Ordinal) ? value[2..] : value;
        name = name.TrimEnd('.');
        return name.Length is > 0 and <= 253
               && name.Split('.').All(label => label.Length is > 0 and <= 63 && label.All(c => char.IsAsciiLetterOrDigit(c) || c == '-')
                                               && label[0] != '-' && label[^1] != '-');
    }
}

/// <summary>RFC 8461 section 3.1: the <c>_mta-sts.&lt;domain&gt;</c> TXT record that announces a policy and its id.</summary>
public static class MtaStsTxtRecord
{
    /// <summary>
    /// The policy id of a record <c>v=STSv1; id=...;</c>, or null when the record is not one (v must come
    /// first; id is 1 to 32 letters and digits; other fields are ignored).
    /// </summary>
    /// <remarks>
    /// <code>
    /// sts-text-record = sts-version 1*(sts-field-delim sts-field) [sts-field-delim]
    /// sts-version     = %s"v=STSv1"
    /// sts-id          = %s"id=" 1*32(ALPHA / DIGIT)
    /// sts-field-delim = *WSP ";" *WSP
    /// </code>
    /// </remarks>
    public static string? PolicyId(string txt)
    {
        var fields = txt.Split(';').Select(f => f.Trim(' ', '\t')).ToList();
        if (fields.Count < 2 || fields[0] != "v=STSv1")
            return null;
        foreach (var field in fields.Skip(1))
        {
            if (!field.StartsWith("id=", StringComparison.Ordinal))
                continue;
            var id = field[3..];
            return id.Length is > 0 and <= 32 && id.All(char.IsAsciiLetterOrDigit) ? id : null;
        }
        return null;
    }
}
