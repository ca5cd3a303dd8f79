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
    private readonly bool _lmtp;

    private DeliveryConnection(LineConnection line, bool lmtp)
    {
        _line = line;
        _lmtp = lmtp;
    }

    public string LastReply { get; private set; } = "";

    public static async Task<DeliveryConnection> ConnectAsync(string host, int port, bool lmtp, CancellationToken ct)
    {
        var line = await LineConnection.ConnectAsync(host, port, ct).ConfigureAwait(false);
        var connection = new DeliveryConnection(line, lmtp);
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

    /// <summary>
    /// One transaction to one or more recipients; <paramref name="dotStuffedData"/> ends with CRLF "." CRLF.
    /// Returns 250 when every recipient has the message, else the first other reply code. LMTP
    /// answers once per accepted recipient after DATA (RFC 2033 section 4.2), SMTP once.
    /// </summary>
    public async Task<int> DeliverAsync(string from, IReadOnlyList<string> recipients, ReadOnlyMemory<byte> dotStuffedData, CancellationToken ct)
    {
        var code = await CommandAsync("MAIL FROM:<" + from + ">", ct).ConfigureAwait(false);
        if (code != 250) return code;
        var accepted = 0;
        var firstRefusal = 0;
        foreach (var recipient in recipients)
        {
            code = await CommandAsync("RCPT TO:<" + recipient + ">", ct).ConfigureAwait(false);
            if (code == 250) accepted++;
            else if (firstRefusal == 0) firstRefusal = code;
        }
        if (accepted == 0)
        {
            await CommandAsync("RSET", ct).ConfigureAwait(false);
            return firstRefusal;
        }
        code = await CommandAsync("DATA", ct).ConfigureAwait(false);
        if (code != 354) return code;
        await _line.WriteAsync(dotStuffedData, ct).ConfigureAwait(false);
        var result = firstRefusal;
        for (var i = 0; i < (_lmtp ? accepted : 1); i++)
        {
            code = await ReadReplyAsync(ct).ConfigureAwait(false);
            if (code != 250 && result == 0) result = code;
        }
        return result == 0 ? 250 : result;
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
