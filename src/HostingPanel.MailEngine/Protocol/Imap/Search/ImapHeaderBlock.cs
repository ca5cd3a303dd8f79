using MimeKit;

namespace HostingPanel.MailEngine.Protocol.Imap.Search;

/// <summary>Raw message bytes (a header block or a whole message) read as MimeKit reads a stream, without copying when they are an array.</summary>
public static class ImapHeaderBlock
{
    public static MemoryStream OpenRead(ReadOnlyMemory<byte> raw) =>
        System.Runtime.InteropServices.MemoryMarshal.TryGetArray(raw, out var segment)
            ? new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false)
            : new MemoryStream(raw.ToArray(), writable: false);

    /// <summary>The top-level header fields, with the parser options every IMAP path uses.</summary>
    public static HeaderList Headers(ReadOnlyMemory<byte> raw)
    {
        using var stream = OpenRead(raw);
        return HeaderList.Load(Mime.ImapMessageStructure.ParserOptions, stream);
    }
}
