using HostingPanel.MailEngine.Tests.Security;

namespace HostingPanel.MailEngine.Tests.Smtp;

/// <summary>
/// Bytes on a socket, for what real clients never send (smuggling, pipelined STARTTLS, garbage): the SMTP
/// view of <see cref="RawLineClient"/>, in the words the SMTP tests use.
/// </summary>
internal sealed class RawSmtpClient : IAsyncDisposable
{
    private readonly RawLineClient _line;

    private RawSmtpClient(RawLineClient line) => _line = line;

    public static async Task<RawSmtpClient> ConnectAsync(int port, bool implicitTls = false) =>
        new(await RawLineClient.ConnectAsync(port, implicitTls));

    public static async Task<RawSmtpClient> ConnectAsync(System.Net.IPEndPoint server) => new(await RawLineClient.ConnectAsync(server));

    public Task StartTlsAsync() => _line.StartTlsAsync();

    public Task WriteAsync(string text) => _line.SendAsync(text);

    public Task WriteAsync(byte[] bytes) => _line.SendAsync(bytes);

    /// <summary>One reply, all its lines joined with "\n"; null when the server closed the connection.</summary>
    public Task<string?> ReadReplyAsync(int timeoutMs = 10_000) => _line.ReadSmtpReplyAsync(timeoutMs);

    public async Task<string?> CommandAsync(string command)
    {
        await WriteAsync(command + "\r\n");
        return await ReadReplyAsync();
    }

    /// <summary>True when the server has closed the connection (reads return 0 or fail) instead of replying.</summary>
    public async Task<bool> IsClosedAsync(int timeoutMs = 5000)
    {
        try
        {
            return await ReadReplyAsync(timeoutMs) is null;
        }
        catch (IOException)
        {
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public ValueTask DisposeAsync() => _line.DisposeAsync();
}
