using System.Text;

namespace HostingPanel.MailEngine.Sieve;

/// <summary>
/// The rules of editheader (RFC 5293) that do not depend on the message: which field names are valid,
/// which fields no script may touch, and how a value is made safe to write.
/// </summary>
internal static class SieveHeaderEdits
{
    /// <summary>Name and value of one added field together (Pigeonhole's editheader_max_header_size).</summary>
    public const int MaxFieldLength = 2048;

    /// <summary>
    /// Fields a script may neither add nor delete; RFC 5293 section 6 lets local policy restrict changes and
    /// demands that attempts be ignored silently. Received must never be deleted (section 6); the rest are
    /// the trace and verdict fields this server writes or trusts: a script that could prepend a forged one
    /// above ours (addheader puts fields on top) or remove ours would defeat loop detection (Delivered-To),
    /// the vacation and bounce rules (Auto-Submitted, RFC 3834) and whoever reads the verdicts.
    /// </summary>
    private static readonly HashSet<string> Protected = new(StringComparer.OrdinalIgnoreCase)
    {
        "Received", "Return-Path", "Delivered-To", "Auto-Submitted",
        "Authentication-Results", "ARC-Seal", "ARC-Message-Signature", "ARC-Authentication-Results",
        "X-Spam-Status",
    };

    public static bool IsProtected(string field) => Protected.Contains(field);

    /// <summary>RFC 5322 section 3.6.8: field-name = 1*ftext (printable US-ASCII except ':'); null when valid.</summary>
    public static string? FieldNameError(string name)
    {
        if (name.Length == 0)
            return "empty header field name";
        if (name.Length > 200)
            return "header field name longer than 200 characters";
        foreach (var c in name)
        {
            if (c is < '!' or > '~' or ':')
                return $"invalid header field name \"{Printable(name)}\"";
        }
        return null;
    }

    /// <summary>Null when the value (after <see cref="Normalize"/>) may be added under <paramref name="name"/>.</summary>
    public static string? ValueError(string name, string value)
    {
        var length = name.Length + 2 + Encoding.UTF8.GetByteCount(Normalize(value));
        return length > MaxFieldLength ? $"header field longer than {MaxFieldLength} bytes" : null;
    }

    /// <summary>
    /// RFC 5293 section 4: the value is unstructured text that the server folds and encodes. Line breaks in
    /// it (a folding CRLF and its white space, or any bare CR or LF) become one space, and other control
    /// characters are dropped, so no value can end the field early and start another one (header injection).
    /// </summary>
    public static string Normalize(string value)
    {
        var sb = new StringBuilder(value.Length);
        var pendingSpace = false;
        foreach (var c in value)
        {
            if (c is '\r' or '\n')
            {
                pendingSpace = true;
                continue;
            }
            if (pendingSpace)
            {
                if (c is ' ' or '\t')
                    continue;
                sb.Append(' ');
                pendingSpace = false;
            }
            if (c == '\t' || !char.IsControl(c))
                sb.Append(c);
        }
        return sb.ToString();
    }

    private static string Printable(string s)
    {
        var sb = new StringBuilder(Math.Min(s.Length, 64));
        foreach (var c in s.Length > 64 ? s[..64] : s)
            sb.Append(c is < ' ' or > '~' ? '?' : c);
        return sb.ToString();
    }
}
