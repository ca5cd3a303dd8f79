using System.Text;

namespace HostingPanel.MailEngine.Protocol.Imap;

/// <summary>
/// Mailbox names: from the wire (modified UTF-7, or UTF-8 once UTF8=ACCEPT / IMAP4rev2 is enabled)
/// to a validated Unicode name, and back. Decoding and validation are one step, so nothing the
/// converter accepts can be refused by the validator or the other way round.
/// </summary>
/// <remarks>
/// A valid name: hierarchy separator "/"; no empty segment (no leading, trailing or double "/"); no
/// "." or ".." segment (they would be path traversal in a store that maps names to paths); no
/// control characters (C0, DEL, C1, so no NUL, CR or LF); no "%" or "*" (LIST wildcards, which would
/// make a name unmatchable by itself); no unpaired surrogates; at most <see cref="MaxSegmentLength"/>
/// characters per segment, <see cref="MaxDepth"/> segments and <see cref="MaxNameBytes"/> UTF-8 bytes.
/// "INBOX" is case-insensitive as the first segment and comes back spelled "INBOX".
/// </remarks>
public static class ImapMailboxName
{
    public const char Separator = '/';
    public const int MaxSegmentLength = 255;
    public const int MaxDepth = 32;
    public const int MaxNameBytes = 1024;
    public const string Inbox = "INBOX";

    /// <summary>Wire form to validated name.</summary>
    public static bool TryDecode(string wire, bool utf8Enabled, out string name, out string? error)
    {
        name = string.Empty;
        string decoded;
        if (utf8Enabled)
        {
            // Note: after UTF8=ACCEPT names are UTF-8 (RFC 6855 section 3); a client that still sends
            // modified UTF-7 gets its "&" taken literally, which RFC 9051 section 5.1 accepts.
            decoded = wire;
        }
        else if (!ImapModifiedUtf7.TryDecode(wire, out decoded, out error))
        {
            return false;
        }

        if (!Validate(decoded, out error))
        {
            return false;
        }

        name = NormalizeInbox(decoded);
        return true;
    }

    /// <summary>Validated name to wire form.</summary>
    public static string Encode(string name, bool utf8Enabled) => utf8Enabled ? name : ImapModifiedUtf7.Encode(name);

    /// <summary>Checks a decoded (Unicode) name against the rules above.</summary>
    public static bool Validate(string name, out string? error)
    {
        error = null;
        if (name.Length == 0)
        {
            error = "Empty mailbox name.";
            return false;
        }

        if (Encoding.UTF8.GetByteCount(name) > MaxNameBytes)
        {
            error = "Mailbox name too long.";
            return false;
        }

        var depth = 0;
        foreach (var range in name.AsSpan().Split(Separator))
        {
            var segment = name.AsSpan(range);
            depth++;
            if (segment.Length == 0)
            {
                error = "Mailbox name has an empty level (leading, trailing or double \"/\").";
                return false;
            }

            if (segment is "." or "..")
            {
                error = "\".\" and \"..\" are not allowed as mailbox name levels.";
                return false;
            }

            if (segment.Length > MaxSegmentLength)
            {
                error = "Mailbox name level too long.";
                return false;
            }

            for (var i = 0; i < segment.Length; i++)
            {
                var c = segment[i];
                if (char.IsControl(c))
                {
                    error = "Control characters are not allowed in mailbox names.";
                    return false;
                }

                if (c is '%' or '*')
                {
                    error = "\"%\" and \"*\" are not allowed in mailbox names.";
                    return false;
                }

                if (char.IsHighSurrogate(c) && i + 1 < segment.Length && char.IsLowSurrogate(segment[i + 1]))
                {
                    i++;
                }
                else if (char.IsSurrogate(c) || c is '\uFFFE' or '\uFFFF')
                {
                    error = "Mailbox name is not valid Unicode.";
                    return false;
                }
            }
        }

        if (depth > MaxDepth)
        {
            error = "Mailbox hierarchy too deep.";
            return false;
        }

        return true;
    }

    /// <summary>"inbox" and "Inbox/x" become "INBOX" and "INBOX/x".</summary>
    public static string NormalizeInbox(string name)
    {
        if (name.Length >= Inbox.Length
            && name.AsSpan(0, Inbox.Length).Equals(Inbox, StringComparison.OrdinalIgnoreCase)
            && (name.Length == Inbox.Length || name[Inbox.Length] == Separator))
        {
            return Inbox + name[Inbox.Length..];
        }

        return name;
    }
}
