using System.Globalization;

namespace HostingPanel.Bench.Load.Protocol;

/// <summary>A minimal POP3 client (RFC 1939): USER/PASS, STAT, RETR, QUIT.</summary>
internal sealed class Pop3Connection : IAsyncDisposable
{
    private readonly LineConnection _line;

    private Pop3Connection(LineConnection line) => _line = line;

    public static async Task<Pop3Connection> ConnectAsync(string host, int port, CancellationToken ct)
    {
        var line = await LineConnection.ConnectAsync(host, port, ct).ConfigureAwait(false);
        try
        {
            await line.ReadLineAsync(ct).ConfigureAwait(false);
            if (!line.LineStartsWith("+OK"u8)) throw new IOException("POP3 greeting: " + line.LineText);
            return new Pop3Connection(line);
        }
        catch
        {
            await line.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>USER/PASS; a server that refuses USER gets AUTH PLAIN with an initial response (RFC 5034).</summary>
    public async Task<bool> LoginAsync(string user, string password, CancellationToken ct)
    {
        if (await SimpleAsync("USER " + user, ct).ConfigureAwait(false))
            return await SimpleAsync("PASS " + password, ct).ConfigureAwait(false);
        var initial = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes("\0" + user + "\0" + password));
        return await SimpleAsync("AUTH PLAIN " + initial, ct).ConfigureAwait(false);
    }

    /// <summary>STAT: message count, or -1.</summary>
    public async Task<int> StatAsync(CancellationToken ct)
    {
        await _line.WriteAsync("STAT\r\n", ct).ConfigureAwait(false);
        await _line.ReadLineAsync(ct).ConfigureAwait(false);
        var text = _line.LineText;
        if (!text.StartsWith("+OK", StringComparison.Ordinal)) return -1;
        var parts = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return parts.Length >= 2 ? int.Parse(parts[1], CultureInfo.InvariantCulture) : -1;
    }

    /// <summary>RETR: message bytes as received (dot-stuffing included), or -1 on -ERR.</summary>
    public async Task<long> RetrAsync(int number, CancellationToken ct)
    {
        await _line.WriteAsync("RETR " + number.ToString(CultureInfo.InvariantCulture) + "\r\n", ct).ConfigureAwait(false);
        await _line.ReadLineAsync(ct).ConfigureAwait(false);
        if (!_line.LineStartsWith("+OK"u8)) return -1;
        return await _line.ReadDotTerminatedAsync(ct).ConfigureAwait(false);
    }

    public async Task QuitAsync(CancellationToken ct) => await SimpleAsync("QUIT", ct).ConfigureAwait(false);

    private async Task<bool> SimpleAsync(string command, CancellationToken ct)
    {
        await _line.WriteAsync(command + "\r\n", ct).ConfigureAwait(false);
        await _line.ReadLineAsync(ct).ConfigureAwait(false);
        return _line.LineStartsWith("+OK"u8);
    }

    public ValueTask DisposeAsync() => _line.DisposeAsync();
}
