using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using HostingPanel.MailEngine.Protocol.Pop3;
using Microsoft.Win32.SafeHandles;

namespace HostingPanel.MailEngine.Sessions.Pop3;

/// <summary>
/// Sends a stored body as a RETR or TOP response. Bodies are immutable files, read with positional
/// reads on a bare handle (no FileStream and its buffer per message). Synchronous reads on purpose:
/// bodies are usually in the page cache, where a read costs microseconds and the async path a
/// thread-pool hop per chunk.
/// </summary>
internal static class Pop3MessageSender
{
    /// <summary>Bytes read from the file at a time.</summary>
    private const int ReadSize = 64 * 1024;

    /// <summary>
    /// Output bytes gathered before a socket write: large writes, few system calls. A message smaller
    /// than this leaves with its status line and terminator in one write.
    /// </summary>
    private const int WriteThreshold = 128 * 1024;

    /// <summary>
    /// How to open a body (<see cref="Storage.BodyStore.OpenHandleAsync"/>): read-ahead advice (one more
    /// system call) only for bodies longer than one read.
    /// </summary>
    public static FileOptions OpenOptions(long size) => size > ReadSize ? FileOptions.SequentialScan : FileOptions.None;

    /// <summary>
    /// RETR: the status line, the dot-stuffed body and the terminator, written straight to
    /// <paramref name="stream"/> in writes of about <see cref="WriteThreshold"/> bytes.
    /// </summary>
    public static async ValueTask SendRetrAsync(Stream stream, SafeFileHandle file, string statusLine, CancellationToken ct)
    {
        var input = ArrayPool<byte>.Shared.Rent(ReadSize);
        var output = ArrayPool<byte>.Shared.Rent(WriteThreshold + Pop3DotStuffer.MaxStuffedLength(ReadSize) + 8);
        try
        {
            var filled = Encoding.ASCII.GetBytes(statusLine, output);
            output[filled++] = (byte)'\r';
            output[filled++] = (byte)'\n';
            var atLineStart = true;
            long offset = 0;
            int read;
            do
            {
                read = RandomAccess.Read(file, input.AsSpan(0, ReadSize), offset);
                offset += read;
                filled += Pop3DotStuffer.Stuff(input.AsSpan(0, read), output.AsSpan(filled), ref atLineStart);
                if (filled >= WriteThreshold)
                {
                    await stream.WriteAsync(output.AsMemory(0, filled), ct);
                    filled = 0;
                }
            }
            // A short read of a regular file is its end: no extra read just to see zero bytes.
            while (read == ReadSize);
            filled += Pop3DotStuffer.Terminate(output.AsSpan(filled), atLineStart);
            await stream.WriteAsync(output.AsMemory(0, filled), ct);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(output);
            ArrayPool<byte>.Shared.Return(input);
        }
    }

    /// <summary>
    /// TOP: the header, the blank line and <paramref name="bodyLines"/> lines, into the session's
    /// pipe (a TOP is usually a few kilobytes and leaves with the batch's other replies).
    /// </summary>
    /// <summary>Sends the header and the first <paramref name="bodyLines"/> lines; true when that was the whole message.</summary>
    public static async ValueTask<bool> SendTopAsync(PipeWriter writer, SafeFileHandle file, int bodyLines, CancellationToken ct)
    {
        var stuffer = new Pop3DotStuffer(bodyLines);
        var chunk = ArrayPool<byte>.Shared.Rent(ReadSize);
        try
        {
            long offset = 0;
            int read;
            while (!stuffer.Done && (read = RandomAccess.Read(file, chunk.AsSpan(0, ReadSize), offset)) > 0)
            {
                offset += read;
                stuffer.Write(chunk.AsSpan(0, read), writer);
                // A long header goes out chunk by chunk: bounded memory, back-pressure from the client.
                if (read == ReadSize)
                    await writer.FlushAsync(ct);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
        // The file ran out before the line limit did: the client has the whole message.
        var whole = !stuffer.Done;
        stuffer.Finish(writer);
        return whole;
    }
}
