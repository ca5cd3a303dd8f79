using System.Text;

namespace HostingPanel.MailEngine.Sieve;

/// <summary>
/// A notification method URI of enotify (RFC 5435 section 3.1) for the one method implemented, mailto (RFC 5436,
/// URI syntax of RFC 6068). Only the recipients (the path, "to" and "cc"), "subject" and "body" are taken from the
/// URI: every other header field is ignored (RFC 5436 section 2.7 lists fields that MUST be ignored; taking none of
/// them means a script cannot set From, Auto-Submitted, Received, Bcc or anything else on the notification).
/// </summary>
/// <remarks>
/// <code>
/// mailtoURI = "mailto:" [ to ] [ hfields ]
/// to        = addr-spec *("," addr-spec )
/// hfields   = "?" hfield *( "&amp;" hfield )
/// hfield    = hfname "=" hfvalue
/// </code>
/// </remarks>
public sealed record SieveMailto(IReadOnlyList<string> To, IReadOnlyList<string> Cc, string? Subject, string? Body)
{
    /// <summary>Recipients one URI may name (Pigeonhole: 8): a notify cannot become a mailing list.</summary>
    public const int MaxRecipients = 8;

    /// <summary>The URI's scheme is one enotify knows here (RFC 5435 section 4: "supported").</summary>
    public static bool IsSupportedScheme(string uri) => uri.StartsWith("mailto:", StringComparison.OrdinalIgnoreCase);

    /// <summary>Parses a mailto URI; null with <paramref name="error"/> when it is not one this server can send to.</summary>
    public static SieveMailto? Parse(string uri, out string? error)
    {
        error = null;
        if (!IsSupportedScheme(uri))
        {
            error = $"unsupported notification method \"{Shorten(uri)}\" (only mailto)";
            return null;
        }
        var rest = uri["mailto:".Length..];
        var query = rest.IndexOf('?');
        var path = query < 0 ? rest : rest[..query];
        var to = new List<string>();
        var cc = new List<string>();
        string? subject = null, body = null;
        if (!AddAddresses(path, to, out error))
            return null;
        if (query >= 0)
        {
            foreach (var field in rest[(query + 1)..].Split('&', StringSplitOptions.RemoveEmptyEntries))
            {
                var eq = field.IndexOf('=');
                if (eq <= 0)
                {
                    error = $"invalid header field \"{Shorten(field)}\" in the mailto URI";
                    return null;
                }
                var name = Decode(field[..eq]);
                var value = Decode(field[(eq + 1)..]);
                if (name is null || value is null)
                {
                    error = "invalid %-encoding in the mailto URI";
                    return null;
                }
                switch (name.ToLowerInvariant())
                {
                    case "to" when !AddAddresses(field[(eq + 1)..], to, out error):
                    case "cc" when !AddAddresses(field[(eq + 1)..], cc, out error):
                        return null;
                    case "subject":
                        subject = OneLine(value);
                        break;
                    case "body":
                        body = value;
                        break;
                }
            }
        }
        if (to.Count + cc.Count == 0)
        {
            error = "the mailto URI names no recipient";
            return null;
        }
        if (to.Count + cc.Count > MaxRecipients)
        {
            error = $"the mailto URI names more than {MaxRecipients} recipients";
            return null;
        }
        return new SieveMailto(to, cc, subject, body);
    }

    private static bool AddAddresses(string encoded, List<string> into, out string? error)
    {
        error = null;
        foreach (var part in encoded.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var decoded = Decode(part);
            if (decoded is null || SieveAddresses.ParseSingle(decoded) is not { } address || decoded.Contains('<') || decoded.Contains(' '))
            {
                error = $"invalid address \"{Shorten(decoded ?? part)}\" in the mailto URI";
                return false;
            }
            if (!into.Contains(address, StringComparer.OrdinalIgnoreCase))
                into.Add(address);
            if (into.Count > MaxRecipients)
            {
                error = $"the mailto URI names more than {MaxRecipients} recipients";
                return false;
            }
        }
        return true;
    }

    /// <summary>RFC 3986 percent-decoding as UTF-8; null on a broken escape.</summary>
    private static string? Decode(string text)
    {
        if (!text.Contains('%'))
            return text;
        var bytes = new List<byte>(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] != '%')
            {
                bytes.AddRange(Encoding.UTF8.GetBytes(text[i].ToString()));
                continue;
            }
            if (i + 2 >= text.Length || !Uri.IsHexDigit(text[i + 1]) || !Uri.IsHexDigit(text[i + 2]))
                return null;
            bytes.Add(Convert.ToByte(text.Substring(i + 1, 2), 16));
            i += 2;
        }
        return Encoding.UTF8.GetString([.. bytes]);
    }

    /// <summary>No line break or control character survives into a header value (no header injection through %0D%0A).</summary>
    internal static string OneLine(string text)
    {
        var sb = new StringBuilder(text.Length);
        foreach (var c in text)
            sb.Append(c is '\r' or '\n' or '\t' ? ' ' : char.IsControl(c) ? "" : c.ToString());
        var result = sb.ToString().Trim();
        return result.Length > 250 ? result[..250] : result;
    }

    private static string Shorten(string text) => text.Length > 60 ? text[..60] + "..." : text;
}
