using System.Text;
using MimeKit.Utils;

namespace HostingPanel.MailEngine.Protocol.Imap.Search;

/// <summary>Base subject extraction of RFC 5256 section 2.1, for SORT SUBJECT and THREAD.</summary>
/// <remarks>
/// <code>
/// subj-refwd   = ("re" / ("fw" ["d"])) *WSP [subj-blob] ":"
/// subj-blob    = "[" *BLOBCHAR "]" *WSP
/// subj-fwd     = subj-fwd-hdr subject subj-fwd-trl
/// subj-fwd-hdr = "[fwd:"
/// subj-fwd-trl = "]"
/// subj-leader  = (*subj-blob subj-refwd) / WSP
/// subj-trailer = "(fwd)" / WSP
/// </code>
/// </remarks>
public static class ImapBaseSubject
{
    /// <summary>The base subject, upper-cased for i;unicode-casemap-like comparison.</summary>
    public static string Extract(string? subject) => Extract(subject, out _);

    /// <param name="isReplyOrForward">True when a reply/forward marker was removed (steps 2, 3 or 6), used by THREAD REFERENCES.</param>
    public static string Extract(string? subject, out bool isReplyOrForward)
    {
        isReplyOrForward = false;
        var s = Normalize(subject ?? string.Empty);
        while (true)
        {
            // (2) Remove trailing "(fwd)" and whitespace.
            while (true)
            {
                var trimmed = s.TrimEnd(' ');
                if (trimmed.EndsWith("(fwd)", StringComparison.OrdinalIgnoreCase))
                {
                    trimmed = trimmed[..^5];
                    isReplyOrForward = true;
                }

                if (trimmed == s)
                {
                    break;
                }

                s = trimmed;
            }

            // (3)-(5) Remove leaders and leading blobs until nothing changes.
            while (true)
            {
                var before = s;
                s = s.TrimStart(' ');
                if (TryRemoveLeader(s, out var rest))
                {
                    s = rest;
                    isReplyOrForward = true;
                }

                if (TryRemoveBlob(s, out var afterBlob) && afterBlob.Length > 0)
                {
                    s = afterBlob;
                }

                if (s == before)
                {
                    break;
                }
            }

            // (6) "[fwd: subject]".
            if (s.StartsWith("[fwd:", StringComparison.OrdinalIgnoreCase) && s.EndsWith(']'))
            {
                s = s[5..^1];
                isReplyOrForward = true;
                continue;
            }

            return s.ToUpperInvariant();
        }
    }

    /// <summary>(1) Decode encoded-words, turn tabs and folding into spaces, collapse runs of spaces.</summary>
    private static string Normalize(string subject)
    {
        string decoded;
        try
        {
            decoded = Rfc2047.DecodeText(Encoding.UTF8.GetBytes(subject));
        }
        catch (ArgumentException)
        {
            decoded = subject;
        }

        var builder = new StringBuilder(decoded.Length);
        var lastWasSpace = false;
        foreach (var c in decoded)
        {
            var isSpace = c is ' ' or '\t' or '\r' or '\n';
            if (isSpace)
            {
                if (!lastWasSpace)
                {
                    builder.Append(' ');
                }
            }
            else
            {
                builder.Append(c);
            }

            lastWasSpace = isSpace;
        }

        return builder.ToString();
    }

    /// <summary>*subj-blob subj-refwd at the start.</summary>
    private static bool TryRemoveLeader(string s, out string rest)
    {
        rest = s;
        var position = 0;
        while (TryBlobAt(s, position, out var next))
        {
            position = next;
        }

        if (!TryRefwdAt(s, position, out var end))
        {
            return false;
        }

        rest = s[end..];
        return true;
    }

    private static bool TryRefwdAt(string s, int position, out int end)
    {
        end = position;
        int p;
        if (At(s, position, "re"))
        {
            p = position + 2;
        }
        else if (At(s, position, "fwd"))
        {
            p = position + 3;
        }
        else if (At(s, position, "fw"))
        {
            p = position + 2;
        }
        else
        {
            return false;
        }

        while (p < s.Length && s[p] == ' ')
        {
            p++;
        }

        if (TryBlobAt(s, p, out var afterBlob))
        {
            p = afterBlob;
        }

        if (p < s.Length && s[p] == ':')
        {
            end = p + 1;
            return true;
        }

        return false;
    }

    private static bool TryRemoveBlob(string s, out string rest)
    {
        rest = s;
        if (!TryBlobAt(s, 0, out var end))
        {
            return false;
        }

        rest = s[end..];
        return true;
    }

    /// <summary>subj-blob = "[" *BLOBCHAR "]" *WSP.</summary>
    private static bool TryBlobAt(string s, int position, out int end)
    {
        end = position;
        if (position >= s.Length || s[position] != '[')
        {
            return false;
        }

        var p = position + 1;
        while (p < s.Length && s[p] != ']' && s[p] != '[')
        {
            p++;
        }

        if (p >= s.Length || s[p] != ']')
        {
            return false;
        }

        p++;
        while (p < s.Length && s[p] == ' ')
        {
            p++;
        }

        end = p;
        return true;
    }

    private static bool At(string s, int position, string word) =>
        s.Length - position >= word.Length && string.Compare(s, position, word, 0, word.Length, StringComparison.OrdinalIgnoreCase) == 0;
}
