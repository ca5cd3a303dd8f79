using HostingPanel.MailEngine.Storage;
using MimeKit;

namespace HostingPanel.MailEngine.Sieve;

/// <summary>
/// The body file of a copy whose header editheader changed (RFC 5293): the edited header, the blank line, then the
/// original body's bytes after its header, unchanged. Unedited header fields keep their raw bytes (MimeKit writes a
/// loaded field as it was read), so only the edits differ from the original.
/// </summary>
internal static class SieveEditedBody
{
    private static readonly FormatOptions HeaderFormat = CreateHeaderFormat();

    public static async Task<WrittenBody> WriteAsync(BodyStore bodies, WrittenBody original, HeaderList headers, CancellationToken ct)
    {
        using var composed = new MemoryStream();
        headers.WriteTo(HeaderFormat, composed, ct);
        composed.Write("\r\n"u8);
        var skip = original.Summary.HeaderSize;
        if (skip < 0)
            skip = await HeaderEndAsync(bodies.Open(original.RelativePath), ct);
        await using (var source = bodies.Open(original.RelativePath))
        {
            await SkipAsync(source, skip, ct);
            await source.CopyToAsync(composed, ct);
        }
        composed.Position = 0;
        return await bodies.WriteAsync(composed, 0, ct);
    }

    private static FormatOptions CreateHeaderFormat()
    {
        var format = FormatOptions.Default.Clone();
        format.NewLineFormat = NewLineFormat.Dos;
        return format;
    }

    private static async Task SkipAsync(Stream stream, long count, CancellationToken ct)
    {
        var buffer = new byte[8192];
        while (count > 0)
        {
            var read = await stream.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, count)), ct);
            if (read == 0)
                return;
            count -= read;
        }
    }

    /// <summary>Where the header ends (after the blank line) in a body whose summary could not say; the whole length if never.</summary>
    private static async Task<long> HeaderEndAsync(Stream stream, CancellationToken ct)
    {
        await using var _ = stream;
        using var all = new MemoryStream();
        await stream.CopyToAsync(all, ct);
        var bytes = all.GetBuffer().AsSpan(0, (int)all.Length);
        var end = bytes.IndexOf("\r\n\r\n"u8);
        return end < 0 ? bytes.Length : end + 4;
    }
}
