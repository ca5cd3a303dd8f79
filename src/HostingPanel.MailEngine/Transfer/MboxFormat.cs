using System.Globalization;
using System.Text;

namespace HostingPanel.MailEngine.Transfer;

/// <summary>One message read from an export file: where it goes and what it carries.</summary>
public sealed record ImportedMessage(string Folder, byte[] Body, Storage.MessageFlags Flags, IReadOnlyList<string> Keywords, DateTimeOffset? InternalDate);

/// <summary>
/// mbox in the mboxrd variant: each message starts with a "From " line (sender and the internal date in asctime form,
/// UTC), lines of the message that start with any number of '>' and then "From " get one more '>' (so the format is
/// reversible), lines end in LF, and a blank line ends each message. Two header lines are put first in each message and
/// taken off again on import: <c>X-Folder</c> (the folder, UTF-8, '/' between levels) and <c>X-Flags</c> (IMAP flags and
/// keywords). Other tools show them as ordinary headers. CRLF line ends become LF and come back as CRLF.
/// </summary>
public static class MboxFormat
{
    public const string FolderHeader = "X-Folder";
    public const string FlagsHeader = "X-Flags";
    /// <summary>The largest message an import takes; a bigger one is skipped with an error.</summary>
    public const int MaxMessageBytes = 64 * 1024 * 1024;

    /// <summary>The error when a file is not mbox at all (its first line is not a "From " line); nothing is read from it.</summary>
    public const string NotMbox = "The file does not start with a \"From \" line: it is not an mbox file.";

    private static readonly byte[] FromSpace = "From "u8.ToArray();

    public static async Task WriteMessageAsync(Stream output, string folder, Storage.MessageFlags flags, IEnumerable<string> keywords,
        DateTimeOffset internalDate, Stream body, CancellationToken ct)
    {
        var head = new StringBuilder();
        head.Append("From MAILER-DAEMON ").Append(internalDate.UtcDateTime.ToString("ddd MMM d HH:mm:ss yyyy", CultureInfo.InvariantCulture)).Append('\n');
        // Control characters are not folder material; a name with one could forge a header line.
        head.Append(FolderHeader).Append(": ").Append(new string(folder.Select(c => char.IsControl(c) ? '_' : c).ToArray())).Append('\n');
        head.Append(FlagsHeader).Append(": ").Append(TransferFlags.ToImap(flags, keywords)).Append('\n');
        await output.WriteAsync(Encoding.UTF8.GetBytes(head.ToString()), ct);

        using var reader = new ByteLineReader(body);
        var endedWithLf = true;
        while (await reader.ReadLineAsync(ct) is { } line)
        {
            var text = line.Text;
            if (line.AtLineStart && IsQuotedFrom(text.Span)) await output.WriteAsync(">"u8.ToArray(), ct);
            // CRLF becomes LF: strip the CR before the LF.
            var content = line.EndsWithLf && text.Length > 0 && text.Span[^1] == (byte)'\r' ? text[..^1] : text;
            await output.WriteAsync(content, ct);
            if (line.EndsWithLf) await output.WriteAsync("\n"u8.ToArray(), ct);
            endedWithLf = line.EndsWithLf;
        }
        await output.WriteAsync(endedWithLf ? "\n"u8.ToArray() : "\n\n"u8.ToArray(), ct);
    }

    /// <summary>Reads the messages of an mbox stream one at a time (streaming: the file is never held whole).</summary>
    public static async IAsyncEnumerable<ImportedMessage> ReadAsync(Stream input, string defaultFolder, Action<string> error,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        using var reader = new ByteLineReader(input);
        MemoryStream? current = null;
        DateTimeOffset? date = null;
        var tooLarge = false;
        var count = 0;
        while (await reader.ReadLineAsync(ct) is { } line)
        {
            var text = line.Text;
            if (line.AtLineStart && text.Span.StartsWith(FromSpace))
            {
                if (current is not null && Finish(current, date, defaultFolder, tooLarge, ++count, error) is { } done) yield return done;
                current = new MemoryStream();
                date = ParseFromLineDate(Encoding.ASCII.GetString(text.Span.TrimEnd("\r\n"u8)));
                tooLarge = false;
                continue;
            }
            if (current is null)
            {
                if (!text.Span.Trim(" \t\r\n"u8).IsEmpty) { error(NotMbox); yield break; }
                continue;
            }
            if (tooLarge) continue;
            var content = line.EndsWithLf && text.Length > 0 && text.Span[^1] == (byte)'\r' ? text[..^1] : text;
            if (line.AtLineStart && IsQuotedFrom(content.Span) && content.Span[0] == (byte)'>') content = content[1..];
            current.Write(content.Span);
            if (line.EndsWithLf) current.Write("\r\n"u8);
            if (current.Length > MaxMessageBytes) { tooLarge = true; current.SetLength(0); }
        }
        if (current is not null && Finish(current, date, defaultFolder, tooLarge, ++count, error) is { } last) yield return last;
    }

    private static ImportedMessage? Finish(MemoryStream message, DateTimeOffset? date, string defaultFolder, bool tooLarge, int number, Action<string> error)
    {
        if (tooLarge) { error($"Message {number} is larger than {MaxMessageBytes} bytes: skipped."); return null; }
        var bytes = message.ToArray();
        // The blank line that ends each message belongs to the mbox, not to the message.
        if (bytes.AsSpan().EndsWith("\r\n\r\n"u8)) bytes = bytes[..^2];
        var folder = defaultFolder;
        var flags = Storage.MessageFlags.None;
        List<string> keywords = [];
        var start = 0;
        // Our own two header lines, only where we put them: first in the message.
        for (var i = 0; i < 2; i++)
        {
            var end = bytes.AsSpan(start).IndexOf("\r\n"u8);
            if (end < 0) break;
            var headerLine = Encoding.UTF8.GetString(bytes, start, end);
            if (headerLine.StartsWith(FolderHeader + ": ", StringComparison.OrdinalIgnoreCase)) folder = headerLine[(FolderHeader.Length + 2)..].Trim();
            else if (headerLine.StartsWith(FlagsHeader + ": ", StringComparison.OrdinalIgnoreCase)) (flags, keywords) = TransferFlags.FromImap(headerLine[(FlagsHeader.Length + 2)..]);
            else break;
            start += end + 2;
        }
        if (folder.Length == 0) folder = defaultFolder;
        return new ImportedMessage(folder, start == 0 ? bytes : bytes[start..], flags, keywords, date);
    }

    /// <summary>"From sender Mon Dec  7 11:06:40 2026" → the date (UTC), or null.</summary>
    private static DateTimeOffset? ParseFromLineDate(string line)
    {
        var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length < 7) return null;
        var text = string.Join(' ', parts[^5..]);
        return DateTime.TryParseExact(text, "ddd MMM d HH:mm:ss yyyy", CultureInfo.InvariantCulture,
            DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var d) ? new DateTimeOffset(d, TimeSpan.Zero) : null;
    }

    /// <summary>mboxrd: a line of '>'s followed by "From ".</summary>
    private static bool IsQuotedFrom(ReadOnlySpan<byte> line)
    {
        var i = 0;
        while (i < line.Length && line[i] == (byte)'>') i++;
        return line[i..].StartsWith(FromSpace);
    }
}

/// <summary>Reads a stream in lines (LF-terminated), handing a line longer than the buffer over in pieces.</summary>
internal sealed class ByteLineReader(Stream stream) : IDisposable
{
    private readonly byte[] _buffer = new byte[64 * 1024];
    private int _start, _end;
    private bool _atLineStart = true, _eof;

    public readonly record struct Line(ReadOnlyMemory<byte> Text, bool AtLineStart, bool EndsWithLf);

    public async Task<Line?> ReadLineAsync(CancellationToken ct)
    {
        while (true)
        {
            var lf = _buffer.AsSpan(_start, _end - _start).IndexOf((byte)'\n');
            if (lf >= 0)
            {
                var line = new Line(_buffer.AsMemory(_start, lf).ToArray(), _atLineStart, true);
                _start += lf + 1;
                _atLineStart = true;
                return line;
            }
            if (_eof)
            {
                if (_start == _end) return null;
                var rest = new Line(_buffer.AsMemory(_start, _end - _start).ToArray(), _atLineStart, false);
                _start = _end;
                return rest;
            }
            if (_start > 0)
            {
                Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
                _end -= _start;
                _start = 0;
            }
            if (_end == _buffer.Length)
            {
                // A line longer than the buffer: hand it over in pieces; only the first one is at a line start.
                var piece = new Line(_buffer.AsMemory(0, _end).ToArray(), _atLineStart, false);
                _start = _end = 0;
                _atLineStart = false;
                return piece;
            }
            var read = await stream.ReadAsync(_buffer.AsMemory(_end), ct);
            if (read == 0) _eof = true;
            _end += read;
        }
    }

    public void Dispose() { }
}
