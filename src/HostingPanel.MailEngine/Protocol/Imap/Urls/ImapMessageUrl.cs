using System.Globalization;
using System.Text;

namespace HostingPanel.MailEngine.Protocol.Imap.Urls;

/// <summary>
/// An IMAP URL naming one message or part of it (RFC 5092 "imessagepart"), as CATENATE (RFC 4469) refers to
/// message data: an absolute path on this server (<c>/INBOX;UIDVALIDITY=7/;UID=20/;SECTION=1.MIME</c>) or the
/// same with <c>imap://user@host</c> before it.
/// </summary>
/// <param name="Mailbox">The mailbox name, percent-decoded (UTF-8 or modified UTF-7, as the client wrote it).</param>
/// <param name="User">The user named in an absolute URL, percent-decoded; null in a path-only URL.</param>
/// <param name="Section">The section spec as FETCH BODY[...] takes it; null for the whole message.</param>
public sealed record ImapMessageUrl(string Mailbox, uint? UidValidity, uint Uid, string? Section, long? PartialOffset, long? PartialLength, string? User)
{
    /// <remarks>
    /// <code>
    /// imapurl      = "imap://" iserver ipath-query                        ; RFC 5092 section 11
    /// iserver      = [iuserinfo "@"] host [":" port]
    /// imessagepart = imailbox-ref iuid [isection] [ipartial] [iurlauth]
    /// imailbox-ref = enc-mailbox [";UIDVALIDITY=" nz-number]
    /// iuid         = "/;UID=" nz-number
    /// isection     = "/;SECTION=" enc-section
    /// ipartial     = "/;PARTIAL=" number ["." nz-number]
    /// </code>
    /// Parameter names are case-insensitive (section 3). URLAUTH (RFC 4467) is not offered, so a URL carrying
    /// one is refused rather than half understood.
    /// </remarks>
    public static ImapMessageUrl? TryParse(string url)
    {
        if (url.Length is 0 or > MaxLength)
        {
            return null;
        }

        string? user = null;
        var path = url;
        if (url.StartsWith("imap://", StringComparison.OrdinalIgnoreCase))
        {
            var rest = url["imap://".Length..];
            var slash = rest.IndexOf('/');
            if (slash < 0)
            {
                return null;
            }

            var server = rest[..slash];
            var at = server.LastIndexOf('@');
            if (at >= 0)
            {
                var userInfo = server[..at];
                var auth = userInfo.IndexOf(";AUTH=", StringComparison.OrdinalIgnoreCase);
                user = PercentDecode(auth >= 0 ? userInfo[..auth] : userInfo);
                if (user is null)
                {
                    return null;
                }
            }

            path = rest[slash..];
        }

        if (!path.StartsWith('/'))
        {
            return null;
        }

        var uidAt = path.IndexOf("/;UID=", StringComparison.OrdinalIgnoreCase);
        if (uidAt < 1)
        {
            return null;
        }

        var mailboxRef = path[1..uidAt];
        uint? uidValidity = null;
        var validityAt = mailboxRef.IndexOf(";UIDVALIDITY=", StringComparison.OrdinalIgnoreCase);
        if (validityAt >= 0)
        {
            if (!TryNzNumber(mailboxRef[(validityAt + ";UIDVALIDITY=".Length)..], out var validity))
            {
                return null;
            }

            uidValidity = validity;
            mailboxRef = mailboxRef[..validityAt];
        }

        var mailbox = PercentDecode(mailboxRef);
        if (string.IsNullOrEmpty(mailbox) || mailbox.Contains(';'))
        {
            return null;
        }

        var parameters = path[(uidAt + 1)..].Split('/');
        if (!TryNzNumber(parameters[0][";UID=".Length..], out var uid))
        {
            return null;
        }

        string? section = null;
        long? offset = null, length = null;
        foreach (var parameter in parameters.Skip(1))
        {
            if (parameter.StartsWith(";SECTION=", StringComparison.OrdinalIgnoreCase) && section is null && offset is null)
            {
                section = PercentDecode(parameter[";SECTION=".Length..]);
                if (string.IsNullOrEmpty(section) || !section.All(IsSectionChar))
                {
                    return null;
                }
            }
            else if (parameter.StartsWith(";PARTIAL=", StringComparison.OrdinalIgnoreCase) && offset is null)
            {
                var range = parameter[";PARTIAL=".Length..].Split('.');
                if (range.Length > 2 || !long.TryParse(range[0], NumberStyles.None, CultureInfo.InvariantCulture, out var o))
                {
                    return null;
                }

                offset = o;
                if (range.Length == 2)
                {
                    if (!long.TryParse(range[1], NumberStyles.None, CultureInfo.InvariantCulture, out var l) || l == 0)
                    {
                        return null;
                    }

                    length = l;
                }
            }
            else
            {
                // ;URLAUTH=, ;EXPIRE=, anything else, or a parameter twice / out of order.
                return null;
            }
        }

        return new ImapMessageUrl(mailbox, uidValidity, uid, section, offset, length, user);
    }

    /// <summary>Longer than any real URL; bounds the work of a hostile one.</summary>
    public const int MaxLength = 4096;

    /// <summary>
    /// A section spec as FETCH takes it (<c>1.2.MIME</c>, <c>HEADER.FIELDS (FROM TO)</c>): no brackets, quotes or
    /// line breaks, so it can never change the meaning of the FETCH grammar it is parsed with.
    /// </summary>
    private static bool IsSectionChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '.' or ' ' or '(' or ')' or '-' or '_';

    private static bool TryNzNumber(string text, out uint value) =>
        uint.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value) && value > 0;

    /// <summary>%XX escapes to bytes, then UTF-8 (RFC 5092 section 3.2); null when malformed.</summary>
    private static string? PercentDecode(string text)
    {
        var bytes = new List<byte>(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '%')
            {
                if (i + 2 >= text.Length || !byte.TryParse(text.AsSpan(i + 1, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var b))
                {
                    return null;
                }

                bytes.Add(b);
                i += 2;
            }
            else if (c is < (char)0x21 or > (char)0x7E)
            {
                return null;
            }
            else
            {
                bytes.Add((byte)c);
            }
        }

        try
        {
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes.ToArray());
        }
        catch (DecoderFallbackException)
        {
            return null;
        }
    }
}
