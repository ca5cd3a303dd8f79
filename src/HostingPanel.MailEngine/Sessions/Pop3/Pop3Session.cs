using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using HostingPanel.MailEngine.Auth;
using HostingPanel.MailEngine.Hosting;
using HostingPanel.MailEngine.Listeners;
using HostingPanel.MailEngine.Maintenance;
using HostingPanel.MailEngine.Protocol.Pop3;
using HostingPanel.MailEngine.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Win32.SafeHandles;

namespace HostingPanel.MailEngine.Sessions.Pop3;

/// <summary>Everything a POP3 session needs, shared by all sessions.</summary>
internal sealed record Pop3Services(
    MailAuthenticator Authenticator,
    MailStore Store,
    Pop3MaildropLocks Locks,
    Pop3Retention Retention,
    MailTlsCertificate Tls,
    MailEngineOptions Options,
    ILogger Logger);

/// <summary>
/// One POP3 connection: reads command lines from a pipe (several per read when the client pipelines),
/// runs them through the state table and the per-command handlers, and flushes replies once per batch.
/// </summary>
internal sealed class Pop3Session
{
    private enum Outcome { Continue, Close, StartTls }

    private static readonly StreamPipeReaderOptions ReaderOptions = new(bufferSize: 4096, minimumReadSize: 1024, leaveOpen: true, useZeroByteReads: true);
    private static readonly StreamPipeWriterOptions WriterOptions = new(minimumBufferSize: 4096, leaveOpen: true);

    private readonly Socket _socket;
    private readonly Pop3Services _services;
    private readonly CancellationToken _stopping;
    private readonly IPAddress _remote;
    private Stream _stream;
    private PipeReader _reader;
    private PipeWriter _writer;
    private bool _tls;
    private Pop3State _state = new Pop3AuthorizationState();
    private int _badCommands;
    private CancellationTokenSource? _idle;
    // Cancelled when the logged-in mailbox's credentials change: the session ends at its next read.
    private readonly CancellationTokenSource _revoked = new();
    private IDisposable? _credentialWatch;
    private CancellationTokenRegistration _lockWatch;
    private volatile bool _lockLost;

    public Pop3Session(MailConnection connection, bool implicitTls, Pop3Services services, CancellationToken stopping)
    {
        _socket = connection.Socket;
        _services = services;
        _stopping = stopping;
        _remote = connection.RemoteEndPoint.Address;
        _stream = new NetworkStream(_socket, ownsSocket: false);
        _tls = implicitTls;
        _reader = PipeReader.Create(_stream, ReaderOptions);
        _writer = PipeWriter.Create(_stream, WriterOptions);
    }

    private bool PlaintextAllowed => _tls || _services.Options.AllowPlaintextAuth && IPAddress.IsLoopback(_remote);

    public async Task RunAsync()
    {
        try
        {
            if (_tls)
            {
                _tls = false;
                await UpgradeToTlsAsync();
            }
            Write(Pop3Replies.Greeting);
            await _writer.FlushAsync(_stopping);
            await LoopAsync();
        }
        finally
        {
            _credentialWatch?.Dispose();
            await _lockWatch.DisposeAsync();
            _idle?.Dispose();
            await EndAsync();
            await _reader.CompleteAsync();
            await _writer.CompleteAsync();
            await _stream.DisposeAsync();
        }
    }

    private async Task LoopAsync()
    {
        var discarding = false;
        var limits = _services.Options.Pop3Limits;
        while (true)
        {
            ReadResult result;
            // One idle timer per session, re-armed for each read: a new linked source and timer per
            // command would cost more than answering a small RETR.
            if (_idle is null || !_idle.TryReset())
            {
                _idle?.Dispose();
                _idle = CancellationTokenSource.CreateLinkedTokenSource(_stopping, _revoked.Token);
            }
            // Before a login only the short pre-authentication timeout (Mail:Limits:PreAuthTimeout): idle
            // connections opened by the thousand must not wait out RFC 1939's ten minutes.
            _idle.CancelAfter(_state is Pop3TransactionState ? limits.IdleTimeout : _services.Options.Limits.PreAuthTimeout);
            try
            {
                result = await _reader.ReadAsync(_idle.Token);
            }
            catch (OperationCanceledException) when (_revoked.IsCancellationRequested && !_stopping.IsCancellationRequested)
            {
                // No UPDATE state (RFC 1939 section 6): what was DELE'd stays.
                Write(_lockLost ? Pop3Replies.ErrLockLost : Pop3Replies.ErrCredentialsChanged);
                await _writer.FlushAsync(_stopping);
                return;
            }
            catch (OperationCanceledException) when (!_stopping.IsCancellationRequested)
            {
                Write(Pop3Replies.ErrTimeout);
                await _writer.FlushAsync(_stopping);
                return;
            }
            var buffer = result.Buffer;
            var outcome = Outcome.Continue;
            while (outcome == Outcome.Continue)
            {
                if (discarding)
                {
                    var lf = buffer.PositionOf((byte)'\n');
                    if (lf is null)
                    {
                        buffer = buffer.Slice(buffer.End);
                        break;
                    }
                    buffer = buffer.Slice(buffer.GetPosition(1, lf.Value));
                    discarding = false;
                    continue;
                }
                var status = Pop3CommandParser.TryReadLine(ref buffer, limits.MaxLineLength, out var line);
                if (status == Pop3CommandParser.LineStatus.NeedMoreData)
                    break;
                if (status != Pop3CommandParser.LineStatus.Line)
                {
                    discarding = status == Pop3CommandParser.LineStatus.TooLongUnterminated;
                    outcome = Bad(Pop3Replies.ErrLineTooLong);
                    continue;
                }
                outcome = await HandleLineAsync(line.ToArray());
            }

            if (outcome == Outcome.StartTls)
            {
                // RFC 2595 section 3.1 / CVE-2011-0411: anything pipelined after STLS is discarded, not run under TLS.
                _reader.AdvanceTo(buffer.End);
                await _writer.FlushAsync(_stopping);
                await UpgradeToTlsAsync();
                continue;
            }
            _reader.AdvanceTo(buffer.Start, buffer.End);
            await _writer.FlushAsync(_stopping);
            if (outcome == Outcome.Close || result.IsCompleted)
                return;
        }
    }

    private async Task UpgradeToTlsAsync()
    {
        await _reader.CompleteAsync();
        await _writer.CompleteAsync();
        var ssl = new SslStream(_stream, leaveInnerStreamOpen: false);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stopping);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        await _services.Tls.AuthenticateAsServerAsync(ssl, timeout.Token);
        _stream = ssl;
        _tls = true;
        _reader = PipeReader.Create(_stream, ReaderOptions);
        _writer = PipeWriter.Create(_stream, WriterOptions);
    }

    private async Task<Outcome> HandleLineAsync(byte[] line)
    {
        if (_state is Pop3SaslState)
            return await SaslResponseAsync(line);
        var parsed = Pop3CommandParser.Parse(line);
        if (parsed.Command is not { } command)
            return Bad(Pop3Replies.Error(parsed.Error!));
        if (!Pop3StateTable.Allows(_state, command.Verb))
            return Bad(Pop3Replies.ErrWrongState);
        try
        {
            return command.Verb switch
            {
                Pop3Verb.Capa => Capa(),
                Pop3Verb.Stls => Stls(),
                Pop3Verb.User => User(command),
                Pop3Verb.Pass => await PassAsync(command),
                Pop3Verb.Auth => await AuthAsync(command),
                Pop3Verb.Quit => await QuitAsync(),
                Pop3Verb.Stat => Stat(),
                Pop3Verb.List => List(command),
                Pop3Verb.Uidl => Uidl(command),
                Pop3Verb.Retr => await RetrAsync(command),
                Pop3Verb.Top => await RetrAsync(command),
                Pop3Verb.Dele => Dele(command),
                Pop3Verb.Noop => Reply(Pop3Replies.Noop),
                Pop3Verb.Rset => Rset(),
                _ => Bad(Pop3Replies.ErrWrongState),
            };
        }
        catch (Exception e) when (e is not (OperationCanceledException or IOException))
        {
            _services.Logger.LogError(e, "POP3 {Verb} failed", command.Verb);
            return Reply(Pop3Replies.ErrTemporary);
        }
    }

    // ------------------------------------------------------------ AUTHORIZATION

    private Outcome Capa()
    {
        Write(Pop3Replies.CapaFollows);
        foreach (var capability in Pop3Replies.Capabilities(PlaintextAllowed, offerStls: !_tls && _state is Pop3AuthorizationState))
            Write(capability);
        Write(".");
        return Outcome.Continue;
    }

    private Outcome Stls()
    {
        if (_tls)
            return Bad(Pop3Replies.ErrAlreadyTls);
        try
        {
            _ = _services.Tls.Certificate;
        }
        catch (Exception e)
        {
            _services.Logger.LogError(e, "No TLS certificate for STLS");
            return Reply(Pop3Replies.ErrTlsUnavailable);
        }
        Write(Pop3Replies.BeginTls);
        return Outcome.StartTls;
    }

    private Outcome User(Pop3Command command)
    {
        if (!PlaintextAllowed)
            return Reply(Pop3Replies.ErrPlaintextDisallowed);
        _state = new Pop3AuthorizationState(command.Text);
        return Reply(Pop3Replies.UserAccepted);
    }

    private async Task<Outcome> PassAsync(Pop3Command command)
    {
        if (_state is not Pop3AuthorizationState { User: { } user })
            return Bad(Pop3Replies.ErrNoUser);
        if (!PlaintextAllowed)
            return Reply(Pop3Replies.ErrPlaintextDisallowed);
        return await LoginAsync(user, command.Text);
    }

    private async Task<Outcome> AuthAsync(Pop3Command command)
    {
        if (command.Mechanism is null)
        {
            // Note: listing mechanisms on a bare AUTH predates RFC 5034, but clients still send it.
            Write("+OK");
            if (PlaintextAllowed)
                Write("PLAIN");
            Write(".");
            return Outcome.Continue;
        }
        if (command.Mechanism != "PLAIN")
            return Bad(Pop3Replies.ErrMechanism);
        if (!PlaintextAllowed)
            return Reply(Pop3Replies.ErrPlaintextDisallowed);
        if (command.InitialResponse is null)
        {
            _state = new Pop3SaslState(command.Mechanism);
            return Reply(Pop3Replies.SaslContinue);
        }
        // RFC 5034 section 4: "=" is an empty initial response.
        return await SaslPlainAsync(command.InitialResponse == "=" ? "" : command.InitialResponse);
    }

    private async Task<Outcome> SaslResponseAsync(byte[] line)
    {
        _state = new Pop3AuthorizationState();
        var text = Encoding.ASCII.GetString(line);
        if (text == "*")
            return Reply(Pop3Replies.ErrSaslCancelled);
        return await SaslPlainAsync(text);
    }

    /// <summary>RFC 4616: [authzid] NUL authcid NUL passwd, base64.</summary>
    private async Task<Outcome> SaslPlainAsync(string base64)
    {
        byte[] decoded;
        try
        {
            decoded = Convert.FromBase64String(base64);
        }
        catch (FormatException)
        {
            return Bad(Pop3Replies.ErrSaslMalformed);
        }
        var parts = Encoding.UTF8.GetString(decoded).Split('\0');
        if (parts.Length != 3 || parts[1].Length == 0)
            return Bad(Pop3Replies.ErrSaslMalformed);
        if (parts[0].Length > 0 && !parts[0].Equals(parts[1], StringComparison.OrdinalIgnoreCase))
            return Reply(Pop3Replies.ErrAuthFailed); // no proxy authorization
        return await LoginAsync(parts[1], parts[2]);
    }

    private async Task<Outcome> LoginAsync(string user, string password)
    {
        _state = new Pop3AuthorizationState();
        var result = await _services.Authenticator.AuthenticateAsync(user, password, _remote, MailProtocol.Pop3, _stopping);
        switch (result.Failure)
        {
            case AuthFailure.InvalidCredentials: return Reply(Pop3Replies.ErrAuthFailed);
            case AuthFailure.Throttled: return Reply(Pop3Replies.ErrThrottled);
            case AuthFailure.Disabled: return Reply(Pop3Replies.ErrDisabled);
            case AuthFailure.ProtocolDisabled: return Reply(Pop3Replies.ErrPop3Disabled);
        }
        var account = result.Account!;
        if (!await _services.Locks.TryAcquireAsync(account.Id, this, _stopping))
            return Reply(Pop3Replies.ErrInUse);
        try
        {
            await _services.Retention.ApplyAsync(account.Id, _stopping);
            var inbox = await _services.Store.GetFolderAsync(account.Id, MailStore.Inbox, _stopping)
                        ?? throw new InvalidOperationException($"mailbox {account.Address} has no INBOX");
            var messages = await _services.Store.ListMessagesAsync(inbox.Id, includeSummaries: false, _stopping);
            _state = new Pop3TransactionState(new Pop3Maildrop(account.Id, inbox, messages.Select(Pop3Message.From).ToArray()));
            _credentialWatch = _services.Store.Changes.Subscribe(account.Id, change =>
            {
                if (change.Kind == MailboxChangeKind.CredentialsChanged)
                    _ = _revoked.CancelAsync();
            });
            // Another node may take the maildrop once this node's lock connection is gone: end the session first.
            _lockWatch = _services.Locks.LostToken.Register(() =>
            {
                _lockLost = true;
                _ = _revoked.CancelAsync();
            });
        }
        catch
        {
            await _services.Locks.ReleaseAsync(account.Id, this);
            throw;
        }
        return Reply(Pop3Replies.LoggedIn);
    }

    // ------------------------------------------------------------ TRANSACTION

    private Pop3Maildrop Maildrop => ((Pop3TransactionState)_state).Maildrop;

    private Outcome Stat()
    {
        var (count, size) = Maildrop.Stat();
        return Reply(Pop3Replies.Stat(count, size));
    }

    private Outcome List(Pop3Command command)
    {
        if (command.Message > 0)
            return Maildrop.Get(command.Message, out var deleted) is { } m
                ? Reply(Pop3Replies.ListOne(command.Message, m.Size))
                : Bad(deleted ? Pop3Replies.ErrMessageDeleted : Pop3Replies.ErrNoSuchMessage);
        Write(Pop3Replies.ScanListFollows);
        foreach (var (number, message) in Maildrop.Visible())
            Write(Pop3Replies.ListLine(number, message.Size));
        Write(".");
        return Outcome.Continue;
    }

    private Outcome Uidl(Pop3Command command)
    {
        if (command.Message > 0)
            return Maildrop.Get(command.Message, out var deleted) is { } m
                ? Reply(Pop3Replies.UidlOne(command.Message, Maildrop.UniqueId(m)))
                : Bad(deleted ? Pop3Replies.ErrMessageDeleted : Pop3Replies.ErrNoSuchMessage);
        Write(Pop3Replies.UidlFollows);
        foreach (var (number, message) in Maildrop.Visible())
            Write(Pop3Replies.UidlLine(number, Maildrop.UniqueId(message)));
        Write(".");
        return Outcome.Continue;
    }

    private async Task<Outcome> RetrAsync(Pop3Command command)
    {
        if (Maildrop.Get(command.Message, out var deleted) is not { } message)
            return Bad(deleted ? Pop3Replies.ErrMessageDeleted : Pop3Replies.ErrNoSuchMessage);
        SafeFileHandle body;
        try
        {
            body = await _services.Store.Bodies.OpenHandleAsync(message.BodyPath, Pop3MessageSender.OpenOptions(message.Size), _stopping);
        }
        catch (FileNotFoundException)
        {
            return Reply(Pop3Replies.ErrMessageGone);
        }
        using (body)
        {
            if (command.Verb == Pop3Verb.Top)
            {
                Write(Pop3Replies.TopFollows);
                await Pop3MessageSender.SendTopAsync(_writer, body, command.Lines, _stopping);
                return Outcome.Continue;
            }
            // RETR bypasses the pipe: replies batched before it go first, then the message in large writes.
            if (_writer.UnflushedBytes > 0)
                await _writer.FlushAsync(_stopping);
            await Pop3MessageSender.SendRetrAsync(_stream, body, Pop3Replies.RetrFollows(message.Size), _stopping);
        }
        Maildrop.MarkRetrieved(message);
        return Outcome.Continue;
    }

    private Outcome Dele(Pop3Command command)
    {
        if (Maildrop.Get(command.Message, out var deleted) is null)
            return Bad(deleted ? Pop3Replies.ErrMessageDeleted : Pop3Replies.ErrNoSuchMessage);
        Maildrop.Delete(command.Message);
        return Reply(Pop3Replies.Deleted(command.Message));
    }

    private Outcome Rset()
    {
        Maildrop.Reset();
        var (count, size) = Maildrop.Stat();
        return Reply(Pop3Replies.Reset(count, size));
    }

    /// <summary>QUIT in TRANSACTION enters UPDATE (RFC 1939 section 6): only now are DELE'd messages removed.</summary>
    private async Task<Outcome> QuitAsync()
    {
        if (_state is Pop3TransactionState { Maildrop: var maildrop })
        {
            if (_lockLost)
            {
                // Without the lock another node may hold this maildrop now: no UPDATE state.
                Write(Pop3Replies.ErrLockLost);
                return Outcome.Close;
            }
            try
            {
                await _services.Store.MarkPop3RetrievedAsync(maildrop.Retrieved, _stopping);
                var deleted = maildrop.DeletedUids;
                if (deleted.Count > 0)
                    await _services.Store.ExpungeAsync(maildrop.Inbox.Id, deleted, onlyDeleted: false, origin: this, ct: _stopping, pop3Removal: true);
                await _services.Locks.ReleaseAsync(maildrop.MailboxId, this);
                _state = new Pop3AuthorizationState();
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                _services.Logger.LogError(e, "POP3 UPDATE failed");
                Write(Pop3Replies.ErrUpdateFailed);
                return Outcome.Close;
            }
        }
        Write(Pop3Replies.Bye);
        return Outcome.Close;
    }

    /// <summary>A session that ends without QUIT deletes nothing, but retrievals still start retention.</summary>
    private async Task EndAsync()
    {
        if (_state is not Pop3TransactionState { Maildrop: var maildrop })
            return;
        try
        {
            await _services.Store.MarkPop3RetrievedAsync(maildrop.Retrieved, CancellationToken.None);
        }
        catch (Exception e)
        {
            _services.Logger.LogWarning(e, "Could not record POP3 retrievals");
        }
        finally
        {
            await _services.Locks.ReleaseAsync(maildrop.MailboxId, this);
        }
    }

    // ------------------------------------------------------------ replies

    private Outcome Reply(string line)
    {
        Write(line);
        return Outcome.Continue;
    }

    /// <summary>A refused command: answered, counted, and past the limit the session ends.</summary>
    private Outcome Bad(string line)
    {
        Write(line);
        if (++_badCommands < _services.Options.Pop3Limits.MaxBadCommands)
            return Outcome.Continue;
        Write(Pop3Replies.ErrTooManyBadCommands);
        return Outcome.Close;
    }

    private void Write(string line)
    {
        var length = Encoding.UTF8.GetByteCount(line) + 2;
        var span = _writer.GetSpan(length);
        var written = Encoding.UTF8.GetBytes(line, span);
        span[written] = (byte)'\r';
        span[written + 1] = (byte)'\n';
        _writer.Advance(written + 2);
    }
}
