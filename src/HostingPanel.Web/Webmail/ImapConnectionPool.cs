using System.Collections.Concurrent;
using System.Net.Sockets;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Security;
using Microsoft.Extensions.Options;

namespace HostingPanel.Web.Webmail;

/// <summary>
/// A few authenticated IMAP connections per mailbox, shared by that mailbox's webmail requests.
/// A connection serves one request at a time (MailKit's client is not thread-safe); up to
/// <see cref="WebmailOptions.MaxConnectionsPerMailbox"/> requests run at once, the rest wait.
/// Unused connections are logged out after <see cref="WebmailOptions.ConnectionIdleTimeout"/>;
/// a reused connection the server has dropped meanwhile is replaced and the work retried once.
/// </summary>
public sealed class ImapConnectionPool : IAsyncDisposable
{
    private sealed class MailboxSlot(int size)
    {
        public readonly SemaphoreSlim Gate = new(size, size);
        public readonly Lock Sync = new();
        public readonly Stack<(ImapClient Client, long ReturnedTicks)> Idle = new();
    }

    private readonly ConcurrentDictionary<string, MailboxSlot> _slots = new(StringComparer.OrdinalIgnoreCase);
    private readonly WebmailOptions _options;
    private readonly Func<MailEndpoint> _endpoint;
    private readonly System.Net.Security.RemoteCertificateValidationCallback _validateCertificate;
    private readonly TimeProvider _clock;
    private readonly HostingPanel.MailEngine.Auth.WebmailTicket? _ticket;
    private readonly ITimer _sweeper;
    private long _opened;

    public ImapConnectionPool(IOptions<WebmailOptions> options, MailEndpoints endpoints, TimeProvider clock, HostingPanel.MailEngine.Auth.WebmailTicket ticket)
        : this(options.Value, endpoints.Imap, endpoints.ValidateCertificate, clock, ticket) { }

    /// <param name="endpoint">Asked at each new connection, so a restarted listener on another port is followed.</param>
    /// <param name="ticket">Sent in ID before the login, so that it counts as webmail: POP3-only mailboxes keep webmail (issue 19 item 5).</param>
    public ImapConnectionPool(WebmailOptions options, Func<MailEndpoint> endpoint, System.Net.Security.RemoteCertificateValidationCallback validateCertificate, TimeProvider clock,
        HostingPanel.MailEngine.Auth.WebmailTicket? ticket = null)
    {
        _ticket = ticket;
        _options = options;
        _endpoint = endpoint;
        _validateCertificate = validateCertificate;
        _clock = clock;
        _sweeper = clock.CreateTimer(_ => CloseIdle(), null, options.SweepInterval, options.SweepInterval);
    }

    /// <summary>Connections opened since start (logins made), for tests and the benchmark.</summary>
    public long Opened => Interlocked.Read(ref _opened);

    public int IdleCount(string address) => _slots.TryGetValue(address, out var slot) ? Count(slot) : 0;

    /// <summary>Runs <paramref name="work"/> on a pooled connection of the mailbox.</summary>
    public async Task<T> RunAsync<T>(WebmailCredentials credentials, Func<ImapClient, CancellationToken, Task<T>> work, CancellationToken ct)
    {
        for (var attempt = 0; ; attempt++)
        {
            var (client, reused) = await RentAsync(credentials, ct);
            var healthy = false;
            try
            {
                var result = await work(client, ct);
                healthy = true;
                return result;
            }
            catch (Exception e) when (reused && attempt == 0 && IsConnectionLost(e))
            {
                // The server closed the connection while it sat in the pool: open a new one and try again.
            }
            catch (ImapCommandException)
            {
                // NO/BAD to a command: the connection itself is fine.
                healthy = true;
                throw;
            }
            finally
            {
                Return(credentials.Address, client, healthy && client.IsConnected && client.IsAuthenticated);
            }
        }
    }

    public Task RunAsync(WebmailCredentials credentials, Func<ImapClient, CancellationToken, Task> work, CancellationToken ct) =>
        RunAsync(credentials, async (c, t) => { await work(c, t); return true; }, ct);

    /// <summary>Logs out every idle connection of the mailbox (at sign-out).</summary>
    public void CloseMailbox(string address)
    {
        if (!_slots.TryGetValue(address, out var slot)) return;
        List<ImapClient> closing;
        lock (slot.Sync)
        {
            closing = slot.Idle.Select(i => i.Client).ToList();
            slot.Idle.Clear();
        }
        foreach (var client in closing) _ = LogoutAsync(client);
    }

    /// <summary>Logs out connections unused for longer than the idle timeout.</summary>
    public int CloseIdle()
    {
        var limit = _clock.GetUtcNow().UtcTicks - _options.ConnectionIdleTimeout.Ticks;
        var closing = new List<ImapClient>();
        foreach (var slot in _slots.Values)
            lock (slot.Sync)
            {
                var keep = slot.Idle.Where(i => i.ReturnedTicks >= limit).Reverse().ToList();
                closing.AddRange(slot.Idle.Where(i => i.ReturnedTicks < limit).Select(i => i.Client));
                slot.Idle.Clear();
                foreach (var k in keep) slot.Idle.Push(k);
            }
        foreach (var client in closing) _ = LogoutAsync(client);
        return closing.Count;
    }

    private async Task<(ImapClient Client, bool Reused)> RentAsync(WebmailCredentials credentials, CancellationToken ct)
    {
        var slot = _slots.GetOrAdd(credentials.Address, _ => new MailboxSlot(_options.MaxConnectionsPerMailbox));
        await slot.Gate.WaitAsync(ct);
        try
        {
            while (true)
            {
                ImapClient? idle = null;
                lock (slot.Sync)
                    if (slot.Idle.Count > 0) idle = slot.Idle.Pop().Client;
                if (idle is null) break;
                if (idle.IsConnected && idle.IsAuthenticated) return (idle, true);
                idle.Dispose();
            }
            return (await ConnectAsync(credentials, ct), false);
        }
        catch
        {
            slot.Gate.Release();
            throw;
        }
    }

    private void Return(string address, ImapClient client, bool reusable)
    {
        var slot = _slots[address];
        if (reusable)
            lock (slot.Sync) slot.Idle.Push((client, _clock.GetUtcNow().UtcTicks));
        else
            _ = LogoutAsync(client);
        slot.Gate.Release();
    }

    private async Task<ImapClient> ConnectAsync(WebmailCredentials credentials, CancellationToken ct)
    {
        var endpoint = _endpoint();
        var client = new ImapClient { Timeout = 60_000, ServerCertificateValidationCallback = _validateCertificate };
        try
        {
            await client.ConnectAsync(endpoint.Host, endpoint.Port, endpoint.Security, ct);
            if (_ticket is not null && client.Capabilities.HasFlag(ImapCapabilities.Id))
            {
                var webmail = new ImapImplementation { Name = "HostingPanel webmail" };
                webmail.Properties[HostingPanel.MailEngine.Auth.WebmailTicket.IdField] = _ticket.Value;
                await client.IdentifyAsync(webmail, ct);
            }
            await client.AuthenticateAsync(credentials.Address, credentials.Password, ct);
            Interlocked.Increment(ref _opened);
            return client;
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    private static async Task LogoutAsync(ImapClient client)
    {
        try
        {
            if (client.IsConnected)
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await client.DisconnectAsync(quit: true, timeout.Token);
            }
        }
        catch (Exception e) when (IsConnectionLost(e) || e is OperationCanceledException) { }
        finally { client.Dispose(); }
    }

    public static bool IsConnectionLost(Exception e) =>
        e is IOException or SocketException or ServiceNotConnectedException or ImapProtocolException or ObjectDisposedException
        || (e is ServiceNotAuthenticatedException);

    private static int Count(MailboxSlot slot)
    {
        lock (slot.Sync) return slot.Idle.Count;
    }

    public async ValueTask DisposeAsync()
    {
        await _sweeper.DisposeAsync();
        var all = new List<ImapClient>();
        foreach (var slot in _slots.Values)
            lock (slot.Sync)
            {
                all.AddRange(slot.Idle.Select(i => i.Client));
                slot.Idle.Clear();
            }
        await Task.WhenAll(all.Select(LogoutAsync));
    }
}
