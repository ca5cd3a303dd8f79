using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using HostingPanel.MailEngine.Listeners;
using HostingPanel.MailEngine.Protocol.ManageSieve;
using HostingPanel.MailEngine.Sieve;
using HostingPanel.MailEngine.Storage;
using Microsoft.Extensions.Logging;

namespace HostingPanel.MailEngine.Sessions.ManageSieve;

/// <summary>
/// One ManageSieve connection: reads commands (literals included) from a pipe, checks them against
/// the state table and runs their handlers. Lines are bounded; a literal may be as large as the
/// largest allowed script.
/// </summary>
internal sealed class ManageSieveSession
{
    private const int MaxLine = 8 * 1024;
    private const int MaxBadCommands = 10;
    private const string CredentialsChanged = "Credentials changed; log in again";
    private static readonly TimeSpan UnauthenticatedTimeout = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan AuthenticatedTimeout = TimeSpan.FromMinutes(15);

    private readonly Socket _socket;
    private Stream _stream;
    private PipeReader _reader;
    private MailboxAccount? _account;
    private Func<string, Task>? _saslContinuation;
    private bool _close;
    private bool _startTls;
    private int _badCommands;
    // Cancelled when the logged-in mailbox's credentials change (a new password, a disabled mailbox): the session says
    // BYE at its next read, as IMAP, POP3 and SMTP sessions do; a command that arrives with the revocation is not run.
    private readonly CancellationTokenSource _revoked = new();
    private IDisposable? _credentialWatch;

    public ManageSieveSession(MailConnection connection, ManageSieveServices services, CancellationToken stopping)
    {
        _socket = connection.Socket;
        Services = services;
        Stopping = stopping;
        Remote = connection.RemoteEndPoint.Address;
        _stream = new NetworkStream(_socket, ownsSocket: false);
        _reader = PipeReader.Create(_stream, new StreamPipeReaderOptions(bufferSize: 4096, leaveOpen: true));
    }

    public ManageSieveServices Services { get; }
    public CancellationToken Stopping { get; }
    public IPAddress Remote { get; }
    public bool IsTls { get; private set; }
    public bool PlaintextAllowed => IsTls || Services.Options.AllowPlaintextAuth && IPAddress.IsLoopback(Remote);
    public long MailboxId => _account!.Id;

    public void Close() => _close = true;
    public void RequestStartTls() => _startTls = true;
    public void AwaitSaslResponse(Func<string, Task> continuation) => _saslContinuation = continuation;
    public void Authenticated(MailboxAccount account)
    {
        _account = account;
        Interlocked.Exchange(ref _credentialWatch, Services.Changes.Subscribe(account.Id, change =>
        {
            if (change.Kind == MailboxChangeKind.CredentialsChanged)
                _ = _revoked.CancelAsync();
        }))?.Dispose();
    }

    public void Unauthenticated()
    {
        _account = null;
        Interlocked.Exchange(ref _credentialWatch, null)?.Dispose();
    }

    public async Task WriteAsync(string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        await _stream.WriteAsync(bytes, Stopping);
        await _stream.FlushAsync(Stopping);
    }

    /// <summary>RFC 5804 section 1.7; SASL mechanisms only where a login is allowed, STARTTLS until TLS is on.</summary>
    public string Capabilities()
    {
        var sb = new StringBuilder();
        sb.Append("\"IMPLEMENTATION\" \"HostingPanel ManageSieve\"\r\n");
        sb.Append("\"SIEVE\" ").Append(ManageSieveReplies.String(SieveCapabilities.ManageSieveList)).Append("\r\n");
        sb.Append("\"SASL\" ").Append(PlaintextAllowed ? "\"PLAIN\"" : "\"\"").Append("\r\n");
        if (!IsTls)
            sb.Append("\"STARTTLS\"\r\n");
        // RFC 5804 section 1.7: the enotify methods the server supports.
        sb.Append("\"NOTIFY\" \"").Append(SieveCapabilities.NotifyMethods).Append("\"\r\n");
        sb.Append("\"MAXREDIRECTS\" \"").Append(SieveLimits.Default.MaxRedirects).Append("\"\r\n");
        if (_account is not null)
            sb.Append("\"OWNER\" ").Append(ManageSieveReplies.String(_account.Address)).Append("\r\n");
        // RFC 5804 section 2.14.1: the extension is announced so that clients know they may use it.
        sb.Append("\"UNAUTHENTICATE\"\r\n");
        sb.Append("\"VERSION\" \"1.0\"\r\n");
        return sb.ToString();
    }

    public async Task RunAsync()
    {
        try
        {
            await WriteAsync(Capabilities() + ManageSieveReplies.Ok("HostingPanel ManageSieve ready"));
            await LoopAsync();
        }
        finally
        {
            Interlocked.Exchange(ref _credentialWatch, null)?.Dispose();
            await _reader.CompleteAsync();
            await _stream.DisposeAsync();
        }
    }

    private async Task LoopAsync()
    {
        var maxLiteral = Services.Scripts.Options.MaxScriptSize + 1024;
        while (true)
        {
            ReadResult result;
            using (var idle = CancellationTokenSource.CreateLinkedTokenSource(Stopping, _revoked.Token))
            {
                idle.CancelAfter(_account is null ? UnauthenticatedTimeout : AuthenticatedTimeout);
                try
                {
                    result = await _reader.ReadAsync(idle.Token);
                }
                catch (OperationCanceledException) when (_revoked.IsCancellationRequested && !Stopping.IsCancellationRequested)
                {
                    await WriteAsync(ManageSieveReplies.Bye(CredentialsChanged));
                    return;
                }
                catch (OperationCanceledException) when (!Stopping.IsCancellationRequested)
                {
                    await WriteAsync(ManageSieveReplies.Bye("Disconnected for inactivity"));
                    return;
                }
            }
            var buffer = result.Buffer;
            while (!_close && !_startTls)
            {
                var sasl = _saslContinuation is not null;
                var status = ManageSieveCommandReader.TryRead(ref buffer, MaxLine, maxLiteral, sasl, out var command, out var error);
                if (status == ManageSieveReadStatus.NeedMoreData)
                    break;
                if (status == ManageSieveReadStatus.Fatal)
                {
                    await WriteAsync(ManageSieveReplies.Bye(error!));
                    return;
                }
                if (status == ManageSieveReadStatus.Error)
                {
                    _saslContinuation = null;
                    if (!await BadAsync(error!))
                        return;
                    continue;
                }
                if (sasl)
                {
                    var continuation = _saslContinuation!;
                    _saslContinuation = null;
                    await continuation(command!.Arguments[0].Text ?? "");
                    continue;
                }
                if (_revoked.IsCancellationRequested && _account is not null)
                {
                    await WriteAsync(ManageSieveReplies.Bye(CredentialsChanged));
                    return;
                }
                await DispatchAsync(command!);
            }
            _reader.AdvanceTo(buffer.Start, buffer.End);
            if (_close)
                return;
            if (_startTls)
            {
                _startTls = false;
                // RFC 5804 section 2.2: after TLS the server sends its capabilities again.
                await UpgradeToTlsAsync();
                await WriteAsync(Capabilities() + ManageSieveReplies.Ok("TLS negotiation successful"));
                continue;
            }
            if (result.IsCompleted)
                return;
        }
    }

    private async Task DispatchAsync(ManageSieveCommand command)
    {
        if (!ManageSieveCommandTable.TryGet(command.Name, out var allowed, out var handler))
        {
            await BadAsync($"Unknown command {command.Name}");
            return;
        }
        var state = _account is null ? ManageSieveCommandTable.States.NotAuthenticated : ManageSieveCommandTable.States.Authenticated;
        if ((allowed & state) == 0)
        {
            await WriteAsync(ManageSieveReplies.No(_account is null ? "Authenticate first" : "Already authenticated"));
            return;
        }
        try
        {
            await handler(this, new ManageSieveArgs(command.Name, command.Arguments));
        }
        catch (ManageSieveUsageException e)
        {
            await BadAsync(e.Message);
        }
    }

    /// <summary>NO for a bad command; after too many, BYE (false: close).</summary>
    private async Task<bool> BadAsync(string text)
    {
        if (++_badCommands > MaxBadCommands)
        {
            await WriteAsync(ManageSieveReplies.Bye("Too many bad commands"));
            return false;
        }
        await WriteAsync(ManageSieveReplies.No(text));
        return true;
    }

    private async Task UpgradeToTlsAsync()
    {
        await _reader.CompleteAsync();
        var ssl = new SslStream(_stream, leaveInnerStreamOpen: false);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Stopping);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        await Services.Tls.AuthenticateAsServerAsync(ssl, timeout.Token);
        _stream = ssl;
        IsTls = true;
        _reader = PipeReader.Create(_stream, new StreamPipeReaderOptions(bufferSize: 4096, leaveOpen: true));
    }
}
