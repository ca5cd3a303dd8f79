using System.Text;

namespace HostingPanel.Bench.Load.Protocol;

/// <summary>
/// Delivery over LMTP (RFC 2033, Dovecot's delivery path) or SMTP (RFC 5321, the product's MX):
/// the same transaction, except the greeting verb and that LMTP answers DATA once per recipient.
/// One recipient per transaction, so both answer exactly once after DATA.
/// </summary>
internal sealed class DeliveryConnection : IAsyncDisposable
{
    private readonly LineConnection _line;

    private DeliveryConnection(LineConnection line) => _line = line;

    public string LastReply { get; private set; } = "";

    public static async Task<DeliveryConnection> ConnectAsync(string host, int port, bool lmtp, CancellationToken ct)
    {
        var line = await LineConnection.ConnectAsync(host, port, ct).ConfigureAwait(false);
        var connection = new DeliveryConnection(line);
        try
        {
            if (await connection.ReadReplyAsync(ct).ConfigureAwait(false) != 220) throw new IOException("greeting: " + connection.LastReply);
            var hello = lmtp ? "LHLO bench.client" : "EHLO bench.client";
            if (await connection.CommandAsync(hello, ct).ConfigureAwait(false) != 250) throw new IOException(hello + ": " + connection.LastReply);
            return connection;
        }
        catch
        {
            await line.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>One transaction; <paramref name="dotStuffedData"/> ends with CRLF "." CRLF. Returns the final reply code.</summary>
    public async Task<int> DeliverAsync(string from, string recipient, ReadOnlyMemory<byte> dotStuffedData, CancellationToken ct)
    {
        var code = await CommandAsync("MAIL FROM:<" + from + ">", ct).ConfigureAwait(false);
        if (code != 250) return code;
        code = await CommandAsync("RCPT TO:<" + recipient + ">", ct).ConfigureAwait(false);
        if (code != 250)
        {
            await CommandAsync("RSET", ct).ConfigureAwait(false);
            return code;
        }
        code = await CommandAsync("DATA", ct).ConfigureAwait(false);
        if (code != 354) return code;
        await _line.WriteAsync(dotStuffedData, ct).ConfigureAwait(false);
        return await ReadReplyAsync(ct).ConfigureAwait(false);
    }

    public async Task QuitAsync(CancellationToken ct) => await CommandAsync("QUIT", ct).ConfigureAwait(false);

    private async Task<int> CommandAsync(string command, CancellationToken ct)
    {
        await _line.WriteAsync(Encoding.ASCII.GetBytes(command + "\r\n"), ct).ConfigureAwait(false);
        return await ReadReplyAsync(ct).ConfigureAwait(false);
    }

    private async Task<int> ReadReplyAsync(CancellationToken ct)
    {
        while (true)
        {
            await _line.ReadLineAsync(ct).ConfigureAwait(false);
            var line = _line.Line;
            if (line.Length < 3) throw new IOException("short reply");
            if (line.Length == 3 || line[3] == (byte)' ')
            {
                LastReply = _line.LineText;
                return (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
            }
        }
    }

    public ValueTask DisposeAsync() => _line.DisposeAsync();
}
