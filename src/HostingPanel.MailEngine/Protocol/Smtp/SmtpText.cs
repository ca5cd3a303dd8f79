using System.Buffers;
using System.Text;

namespace HostingPanel.MailEngine.Protocol.Smtp;

/// <summary>Checks on message bytes and on client-supplied text before it reaches headers or logs.</summary>
public static class SmtpText
{
    /// <summary>Number of header fields named <paramref name="name"/> in the header section.</summary>
    public static int CountHeaders(in ReadOnlySequence<byte> data, string name)
    {
        var reader = new SequenceReader<byte>(data);
        var prefix = Encoding.ASCII.GetBytes(name + ":");
        var count = 0;
        while (reader.TryReadTo(out ReadOnlySequence<byte> line, "\r\n"u8))
        {
            if (line.IsEmpty)
                break;
            if (line.Length >= prefix.Length && Ascii.EqualsIgnoreCase(line.Slice(0, prefix.Length).ToArray(), prefix))
                count++;
        }
        return count;
    }

    /// <summary>
    /// Client text made safe for a header or a log line: printable ASCII and non-control Unicode only,
    /// everything else as \xNN, and bounded in length.
    /// </summary>
    public static string Escape(string? text, int maxLength = 255)
    {
        if (string.IsNullOrEmpty(text))
            return "";
        var sb = new StringBuilder(Math.Min(text.Length, maxLength) + 8);
        foreach (var c in text)
        {
            if (sb.Length >= maxLength)
            {
                sb.Append("...");
                break;
            }
            if (char.IsControl(c) || c is '\u2028' or '\u2029')
                sb.Append("\\x").Append(((int)c).ToString("X2"));
            else
                sb.Append(c);
        }
        return sb.ToString();
    }
}
