using System.Buffers;
using System.IO.Pipelines;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using HostingPanel.MailEngine.Protocol.Imap;

namespace HostingPanel.MailEngine.Sessions.Imap;

/// <summary>
/// Runs one IMAP connection: reads with a <see cref="PipeReader"/>, frames with
/// <see cref="ImapCommandReader"/>, hands commands to <see cref="ImapSession"/> and writes its
/// output. No thread is held while the client is idle; STARTTLS swaps the stream under the pipe.
/// </summary>
public sealed class ImapConnection : IImapChannel
{
    // Zero-byte reads: a connection waiting for its client (IDLE, between commands) holds no read
    // buffer; one is rented from the pool only when bytes have arrived (SslStream frees its own too).
    private static readonly StreamPipeReaderOptions ReaderOptions = new(leaveOpen: true, useZeroByteReads: true);

    private readonly ImapSessionOptions _options;
    private readonly ServerOptionsSelectionCallback? _startTls;
    private readonly ImapCommandReader _reader;
    private Stream _stream;
    private PipeReader _input;
    private readonly ImapSession _session;
    // Cancelled when the logged-in mailbox's credentials change (new password, suspension, removal).
    private readonly CancellationTokenSource _revoked = new();
    private IDisposable? _credentialWatch;

    public ImapConnection(Stream stream, ImapSessionOptions options, IImapAuthenticator authenticator, ImapClientInfo client, X509Certificate2? certificate = null)
        : this(stream, options, authenticator, client, Fixed(certificate))
    {
    }

    /// <param name="startTls">Chooses the STARTTLS handshake's options (the certificate by SNI); null: no STARTTLS.</param>
    public ImapConnection(Stream stream, ImapSessionOptions options, IImapAuthenticator authenticator, ImapClientInfo client, ServerOptionsSelectionCallback? startTls)
    {
        _stream = stream;
        _options = options with { StartTlsAvailable = startTls is not null && !client.IsSecure };
        _startTls = startTls;
        _reader = new ImapCommandReader(options.Limits);
        _input = PipeReader.Create(stream, ReaderOptions);
        _session = new ImapSession(_options, authenticator, this, client);
    }

    public ImapSession Session => _session;

    /// <summary>Called once a continuation request for a synchronizing literal is on the wire (see <c>Listeners.TcpQuickAck</c>).</summary>
    public Action? ContinuationSent { get; init; }

    /// <summary>One certificate for every handshake, whatever name the client asks for.</summary>
    public static ServerOptionsSelectionCallback? Fixed(X509Certificate2? certificate) => certificate is null
        ? null
        : (_, _, _, _) => ValueTask.FromResult(new SslServerAuthenticationOptions { ServerCertificate = certificate });

    public async Task RunAsync(CancellationToken stopping)
    {
        // Everything the session does runs under this token, so a revoked login ends even inside IDLE or a long FETCH.
        using var session = CancellationTokenSource.CreateLinkedTokenSource(stopping, _revoked.Token);
        var cancellationToken = session.Token;
        // One timer source for the connection's life, re-armed before each read: the autologout clock
        // runs only while the server waits for the client, never during a command.
        using var autologout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        try
        {
            _session.Greet();
            await FlushAsync(cancellationToken);
            while (!_session.IsLoggedOut)
            {
                autologout.CancelAfter(_session.State is ImapNotAuthenticatedState ? _options.UnauthenticatedTimeout : _options.AutologoutTimeout);
                ReadResult result;
                try
                {
                    result = await ReadOrNotifyAsync(autologout.Token, cancellationToken);
                }
                catch (OperationCanceledException) when (_revoked.IsCancellationRequested && !stopping.IsCancellationRequested)
                {
                    await SayCredentialsChangedAsync(stopping);
                    return;
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    _session.Writer.UntaggedStatus(ImapStatus.Bye, "Autologout; idle for too long.");
                    await FlushAsync(cancellationToken);
                    return;
                }

                if (!autologout.TryReset())
                {
                    return;
                }

                var buffer = result.Buffer;
                var reader = new SequenceReader<byte>(buffer);
                if (!_reader.TryRead(ref reader, out var read))
                {
                    _input.AdvanceTo(reader.Position, buffer.End);
                    if (result.IsCompleted)
                    {
                        return;
                    }

                    continue;
                }

                // Advance before running the command: handlers (AUTHENTICATE, IDLE) read lines themselves.
                _input.AdvanceTo(reader.Position);
                switch (read.Kind)
                {
                    case ImapReadResultKind.ContinuationNeeded:
                        _session.Writer.Continuation("Ready for literal data");
                        break;
                    case ImapReadResultKind.Rejected:
                    case ImapReadResultKind.Fatal:
                        _session.Refuse(read.Error!, fatal: read.Kind == ImapReadResultKind.Fatal);
                        break;
                    case ImapReadResultKind.Command:
                        // A command that arrived together with the revocation is not run: the login no longer holds.
                        cancellationToken.ThrowIfCancellationRequested();
                        await _session.ExecuteAsync(read.Frame!, cancellationToken);
                        break;
                }

                await FlushAsync(cancellationToken);
                if (read.Kind == ImapReadResultKind.ContinuationNeeded)
                {
                    // The client's literal comes next: its ACK must not wait (a Nagling client holds the rest of its line for it).
                    ContinuationSent?.Invoke();
                }

                WatchCredentialsOnceLoggedIn();
                if (_session.StartTlsRequested)
                {
                    await StartTlsAsync(cancellationToken);
                }
            }
        }
        catch (OperationCanceledException) when (_revoked.IsCancellationRequested && !stopping.IsCancellationRequested)
        {
            await SayCredentialsChangedAsync(stopping);
        }
        catch (IOException)
        {
            // The client went away.
        }
        finally
        {
            _credentialWatch?.Dispose();
            _session.SetNotifications(null);
            await _session.DeselectAsync();
            await _input.CompleteAsync();
        }
    }

    /// <summary>
    /// The next bytes from the client; meanwhile, after NOTIFY (RFC 5465), whatever changes in the account is told
    /// as it happens. Only between commands: a command half read (a literal on its way) waits for its end.
    /// </summary>
    private async ValueTask<ReadResult> ReadOrNotifyAsync(CancellationToken readToken, CancellationToken cancellationToken)
    {
        while (true)
        {
            var read = _input.ReadAsync(readToken);
            if (read.IsCompleted || _session.Notifications is not { } notifications || _reader.IsInsideCommand)
            {
                return await read;
            }

            var readTask = read.AsTask();
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var newsTask = notifications.WaitAsync(stop.Token);
            if (await Task.WhenAny(readTask, newsTask) == readTask)
            {
                await stop.CancelAsync();
                try
                {
                    await newsTask;
                    notifications.Requeue(); // the news came with the bytes: told after the command
                }
                catch (OperationCanceledException)
                {
                }

                return await readTask;
            }

            await newsTask;
            // The read is stopped, not lost: CancelPendingRead keeps whatever arrived for the next read.
            _input.CancelPendingRead();
            var stopped = await readTask;
            if (!stopped.IsCanceled)
            {
                notifications.Requeue();
                return stopped;
            }

            _input.AdvanceTo(stopped.Buffer.Start);
            await _session.ReportNotificationsAsync(cancellationToken);
            await FlushAsync(cancellationToken);
        }
    }

    /// <summary>Starts watching the mailbox's credentials at the first command that found the session logged in.</summary>
    private void WatchCredentialsOnceLoggedIn()
    {
        if (_credentialWatch is not null || _session.Account is not { } account)
        {
            return;
        }

        // Cancelled asynchronously: the notifier's handlers must not run a session's continuations on the publisher's thread.
        _credentialWatch = account.WatchCredentials(() => _ = _revoked.CancelAsync());
    }

    /// <summary>
    /// The login this connection made no longer holds: whatever a cancelled command left unsent is dropped and the
    /// client is told why before the connection closes (RFC 9051 7.1.5, BYE).
    /// </summary>
    private async Task SayCredentialsChangedAsync(CancellationToken stopping)
    {
        _session.Output.Clear();
        _session.Writer.UntaggedStatus(ImapStatus.Bye, "Credentials changed; log in again.");
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stopping);
            timeout.CancelAfter(TimeSpan.FromSeconds(5));
            await FlushAsync(timeout.Token);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException or NotSupportedException)
        {
            // A write that was cut off mid-way may have left the stream unusable; the connection closes anyway.
        }
    }

    public async ValueTask FlushAsync(CancellationToken cancellationToken)
    {
        if (_session.Output.WrittenCount == 0)
        {
            return;
        }

        await _stream.WriteAsync(_session.Output.WrittenMemory, cancellationToken);
        await _stream.FlushAsync(cancellationToken);
        _session.Output.Clear();
    }

    public async ValueTask<string?> ReadLineAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await _input.ReadAsync(cancellationToken);
            var buffer = result.Buffer;
            var reader = new SequenceReader<byte>(buffer);
            if (_reader.TryReadLine(ref reader, out var line, out var tooLong))
            {
                _input.AdvanceTo(reader.Position);
                return tooLong ? string.Empty : Encoding.UTF8.GetString(line.Span);
            }

            _input.AdvanceTo(reader.Position, buffer.End);
            if (result.IsCompleted)
            {
                return null;
            }
        }
    }

    private async Task StartTlsAsync(CancellationToken cancellationToken)
    {
        _session.StartTlsRequested = false;

        // Anything the client pipelined after STARTTLS was sent in the clear: drop it (RFC 9051 6.2.1).
        await _input.CompleteAsync();
        var tls = new SslStream(_stream, leaveInnerStreamOpen: false);
        await tls.AuthenticateAsServerAsync(_startTls!, null, cancellationToken);
        _stream = tls;
        _input = PipeReader.Create(tls, ReaderOptions);
        _session.Client = _session.Client with { IsSecure = true };
    }
}
