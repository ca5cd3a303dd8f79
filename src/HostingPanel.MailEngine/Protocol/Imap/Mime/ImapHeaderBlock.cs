using System.Text;

namespace HostingPanel.MailEngine.Protocol.Imap.Mime;

/// <summary>Works on a raw header block (fields plus the blank line) without re-serialising it.</summary>
internal static class ImapHeaderBlock
{
    /// <summary>
    /// HEADER.FIELDS / HEADER.FIELDS.NOT: the matching fields, each with its continuation lines,
    /// in their original order and bytes, followed by the blank line (RFC 9051 section 6.4.5).
    /// </summary>
    public static byte[] Filter(ReadOnlySpan<byte> header, IReadOnlyList<string> names, bool exclude)
    {
        var output = new List<byte>(header.Length);
        var position = 0;
        var include = false;
        while (position < header.Length)
        {
            var lineEnd = header[position..].IndexOf(ImapBytes.LF);
            var next = lineEnd < 0 ? header.Length : position + lineEnd + 1;
            var line = header[position..next];
            var isBlank = line.Length == 0 || line[0] == ImapBytes.CR || line[0] == ImapBytes.LF;
            if (isBlank)
            {
                break;
            }

            var isContinuation = line[0] is ImapBytes.Space or ImapBytes.Tab;
            if (!isContinuation)
            {
                var colon = line.IndexOf((byte)':');
                var name = colon < 0 ? line : line[..colon];
                name = name.TrimEnd(" \t"u8);
                var listed = false;
                foreach (var wanted in names)
                {
                    if (Ascii.EqualsIgnoreCase(name, Encoding.ASCII.GetBytes(wanted)))
                    {
                        listed = true;
                        break;
                    }
                }

                include = colon >= 0 && listed != exclude;
            }

            if (include)
            {
                output.AddRange(line);
                if (line[^1] != ImapBytes.LF)
                {
                    output.AddRange(ImapBytes.Crlf);
                }
            }

            position = next;
        }

        output.AddRange(ImapBytes.Crlf);
        return output.ToArray();
    }
}
