using System.Globalization;
using System.Text;

namespace HostingPanel.Bench.Load.Protocol;

/// <summary>Outcome of one tagged IMAP command.</summary>
internal readonly record struct ImapResult(bool Ok, string Status, long Bytes);

/// <summary>
/// A minimal IMAP4rev1 client for load generation: sends one tagged command at a time and reads
/// untagged responses, skipping literals ({n}) by length, up to the tagged completion.
/// </summary>
internal sealed class ImapConnection : IAsyncDisposable
{
    private readonly LineConnection _line;
    private int _tagCounter;

    /// <summary>The last "* n EXISTS" seen (after SELECT), or -1.</summary>
    public int Exists { get; private set; } = -1;

    /// <summary>Number of message numbers in the last "* SEARCH" response, or -1.</summary>
    public int LastSearchHits { get; private set; } = -1;

    private ImapConnection(LineConnection line) => _line = line;

    public static async Task<ImapConnection> ConnectAsync(string host, int port, CancellationToken ct)
    {
        var line = await LineConnection.ConnectAsync(host, port, ct).ConfigureAwait(false);
        try
        {
            await line.ReadLineAsync(ct).ConfigureAwait(false);
            if (!line.LineStartsWith("* OK"u8)) throw new IOException("IMAP greeting: " + line.LineText);
            return new ImapConnection(line);
        }
        catch
        {
            await line.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public static string Quote(string s) => "\"" + s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";

    /// <summary>LOGIN; a server that refuses it (LOGINDISABLED) gets AUTHENTICATE PLAIN (RFC 4959 initial response).</summary>
    public async Task<ImapResult> LoginAsync(string user, string password, CancellationToken ct)
    {
        var result = await CommandAsync("LOGIN " + Quote(user) + " " + Quote(password), ct).ConfigureAwait(false);
        var refused = result.Status.StartsWith("BAD", StringComparison.Ordinal)
                      || result.Status.Contains("LOGINDISABLED", StringComparison.OrdinalIgnoreCase);
        if (result.Ok || !refused) return result;
        var initial = Convert.ToBase64String(Encoding.UTF8.GetBytes("\0" + user + "\0" + password));
        return await CommandAsync("AUTHENTICATE PLAIN " + initial, ct).ConfigureAwait(false);
    }

    public async Task<ImapResult> CommandAsync(string command, CancellationToken ct)
    {
        var tag = NextTag();
        var before = _line.BytesReceived;
        await _line.WriteAsync(tag + " " + command + "\r\n", ct).ConfigureAwait(false);
        var status = await ReadUntilTaggedAsync(tag, ct).ConfigureAwait(false);
        return new ImapResult(status.StartsWith("OK", StringComparison.Ordinal), status, _line.BytesReceived - before);
    }

    /// <summary>APPEND with a synchronizing literal (no LITERAL+), which every IMAP4rev1 server supports.</summary>
    public async Task<ImapResult> AppendAsync(string mailbox, ReadOnlyMemory<byte> message, CancellationToken ct)
    {
        var tag = NextTag();
        var before = _line.BytesReceived;
        await _line.WriteAsync($"{tag} APPEND {Quote(mailbox)} (\\Seen) {{{message.Length.ToString(CultureInfo.InvariantCulture)}}}\r\n", ct).ConfigureAwait(false);
        await _line.ReadLineAsync(ct).ConfigureAwait(false);
        if (!_line.LineStartsWith("+"u8))
        {
            var text = _line.LineText;
            return new ImapResult(false, text, _line.BytesReceived - before);
        }
        await _line.WriteAsync(message, ct).ConfigureAwait(false);
        await _line.WriteAsync("\r\n"u8.ToArray(), ct).ConfigureAwait(false);
        var status = await ReadUntilTaggedAsync(tag, ct).ConfigureAwait(false);
        return new ImapResult(status.StartsWith("OK", StringComparison.Ordinal), status, _line.BytesReceived - before);
    }

    /// <summary>Enters IDLE and waits for the continuation; the connection then stays idle until disposed.</summary>
    public async Task<bool> IdleAsync(CancellationToken ct)
    {
        var tag = NextTag();
        await _line.WriteAsync(tag + " IDLE\r\n", ct).ConfigureAwait(false);
        while (true)
        {
            await _line.ReadLineAsync(ct).ConfigureAwait(false);
            if (_line.LineStartsWith("+"u8)) return true;
            if (_line.LineStartsWith(Encoding.ASCII.GetBytes(tag + " "))) return false;
        }
    }

    /// <summary>In IDLE: reads untagged lines until "* n EXISTS" and returns n (literals are not expected here).</summary>
    public async Task<int> WaitExistsAsync(CancellationToken ct)
    {
        while (true)
        {
            await _line.ReadLineAsync(ct).ConfigureAwait(false);
            if (_line.Line.EndsWith(" EXISTS"u8) && _line.LineStartsWith("* "u8)
                && int.TryParse(_line.Line[2..^7], NumberStyles.None, CultureInfo.InvariantCulture, out var exists))
            {
                Exists = exists;
                return exists;
            }
        }
    }

    private string NextTag() => "A" + (++_tagCounter).ToString(CultureInfo.InvariantCulture);

    private async Task<string> ReadUntilTaggedAsync(string tag, CancellationToken ct)
    {
        var tagPrefix = Encoding.ASCII.GetBytes(tag + " ");
        while (true)
        {
            await _line.ReadLineAsync(ct).ConfigureAwait(false);
            if (_line.LineStartsWith(tagPrefix)) return Encoding.Latin1.GetString(_line.Line[tagPrefix.Length..]);
            if (_line.LineStartsWith("* SEARCH"u8))
            {
                LastSearchHits = _line.Line[8..].Count((byte)' ');
            }
            else if (_line.Line.EndsWith(" EXISTS"u8) && _line.LineStartsWith("* "u8)
                && int.TryParse(_line.Line[2..^7], NumberStyles.None, CultureInfo.InvariantCulture, out var exists))
            {
                Exists = exists;
            }
            // A line ending in {n} announces a literal of n bytes, after which the same response goes on.
            while (TryGetLiteralLength(_line.Line, out var length))
            {
                await _line.SkipAsync(length, ct).ConfigureAwait(false);
                await _line.ReadLineAsync(ct).ConfigureAwait(false);
            }
            if (_line.LineStartsWith(tagPrefix)) return Encoding.Latin1.GetString(_line.Line[tagPrefix.Length..]);
        }
    }

    private static bool TryGetLiteralLength(ReadOnlySpan<byte> line, out long length)
    {
        length = 0;
        if (line.Length < 3 || line[^1] != (byte)'}') return false;
        var open = line.LastIndexOf((byte)'{');
        if (open < 0) return false;
        var digits = line[(open + 1)..^1];
        if (!digits.IsEmpty && digits[^1] == (byte)'+') digits = digits[..^1];
        if (digits.IsEmpty) return false;
        foreach (var b in digits)
        {
            if (b < (byte)'0' || b > (byte)'9') return false;
            length = length * 10 + (b - '0');
        }
        return true;
    }

    public ValueTask DisposeAsync() => _line.DisposeAsync();
}
