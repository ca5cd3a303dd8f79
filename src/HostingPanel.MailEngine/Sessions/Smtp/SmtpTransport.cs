using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using HostingPanel.MailEngine.Hosting;
using HostingPanel.MailEngine.Protocol.Smtp;
using Microsoft.Extensions.Logging;
using SmtpServer;
using SmtpServer.IO;
using SmtpServer.Net;

namespace HostingPanel.MailEngine.Sessions.Smtp;

/// <summary>What every SMTP session's pipe needs to know.</summary>
/// <param name="PreAuthTimeout">Longest wait for a command before AUTH (submission) or the first MAIL FROM (MX).</param>
/// <param name="MaxMessageSize">Largest message a session takes, also as BDAT chunks (<see cref="SmtpChunking"/>).</param>
/// <param name="Tls">Chooses each handshake's certificate by the client's SNI name; null: the one the package hands over.</param>
internal sealed record SmtpPipeSettings(string ServerName, int MaxLineLength, TimeSpan PreAuthTimeout, long MaxMessageSize, ServerOptionsSelectionCallback? Tls = null);

/// <summary>
/// The session's byte pipe. Replies pass through <see cref="SmtpReplyStream"/> (enhanced status codes);
/// STARTTLS drops whatever the client pipelined in plaintext after the command (CVE-2011-0411).
/// Command lines are bounded by <see cref="SmtpCommandLineLimit"/>: the package itself bounds them only
/// by the message size.
/// </summary>
internal sealed class SmtpSecurablePipe : ISecurableDuplexPipe
{
    private readonly NetworkStream _network;
    private readonly ISessionContext _context;
    private readonly SmtpPipeSettings _settings;
    private readonly Action _onClosed;
    private readonly ILogger _logger;
    private readonly SmtpDataModeFlag _dataMode = new();
    private readonly SmtpSessionProgress _progress;
    private readonly SmtpChunking _chunking;
    private readonly Socket _socket;
    private IDisposable? _credentialWatch;
    private Stream _stream;

    public SmtpSecurablePipe(Socket socket, ISessionContext context, SmtpPipeSettings settings, Action onClosed, ILogger logger)
    {
        _context = context;
        _settings = settings;
        _onClosed = onClosed;
        _logger = logger;
        _progress = new SmtpSessionProgress(context);
        _chunking = new SmtpChunking(context, settings.MaxMessageSize);
        _socket = socket;
        _network = new NetworkStream(socket, ownsSocket: false);
        _stream = _network;
        (Input, Output) = CreatePipes(_stream);
    }

    private (PipeReader, PipeWriter) CreatePipes(Stream stream) =>
        (new SmtpCommandLineLimit(PipeReader.Create(stream, new StreamPipeReaderOptions(leaveOpen: true)), stream, _settings, _dataMode, _progress, _context, _chunking),
         PipeWriter.Create(new SmtpReplyStream(stream, _settings.ServerName, _dataMode, _chunking), new StreamPipeWriterOptions(leaveOpen: true)));

    public PipeReader Input { get; private set; }
    public PipeWriter Output { get; private set; }
    public bool IsSecure => _stream is SslStream;
    public SslProtocols SslProtocol => _stream is SslStream ssl ? ssl.SslProtocol : SslProtocols.None;

    public async Task UpgradeAsync(X509Certificate certificate, SslProtocols protocols, CancellationToken cancellationToken)
    {
        // Note: anything already read past the STARTTLS line arrived in plaintext and must never be
        // executed as if it came over TLS (CVE-2011-0411); bytes not yet read fail the handshake.
        if (Input.TryRead(out var pending))
        {
            if (!pending.Buffer.IsEmpty)
                _logger.LogWarning("Discarded {Bytes} bytes pipelined in plaintext after STARTTLS", pending.Buffer.Length);
            Input.AdvanceTo(pending.Buffer.End);
        }
        await Input.CompleteAsync();
        await Output.CompleteAsync();
        var ssl = new SslStream(_network, leaveInnerStreamOpen: true);
        if (_settings.Tls is { } select)
            await ssl.AuthenticateAsServerAsync(select, null, cancellationToken);
        else
            await ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
            {
                ServerCertificate = certificate,
                EnabledSslProtocols = protocols,
                ClientCertificateRequired = false,
                CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            }, cancellationToken);
        _stream = ssl;
        (Input, Output) = CreatePipes(ssl);
    }

    /// <summary>
    /// Ends the session when <paramref name="watch"/> fires <see cref="EndNow"/>: an authenticated submission session
    /// must not outlive the password it logged in with (a password reset ends what an attacker opened with the old
    /// one). The watch is disposed with the session.
    /// </summary>
    internal void EndOnRevocation(IDisposable watch) => Interlocked.Exchange(ref _credentialWatch, watch)?.Dispose();

    /// <summary>
    /// Shuts the connection down from outside the session: its next read ends and the package closes the session.
    /// No reply is written, since the session may be writing one at that moment and the bytes would interleave.
    /// </summary>
    internal void EndNow()
    {
        try { _socket.Shutdown(SocketShutdown.Both); } catch (SocketException) { } catch (ObjectDisposedException) { }
    }

    public void Dispose()
    {
        Interlocked.Exchange(ref _credentialWatch, null)?.Dispose();
        try { _stream.Dispose(); } catch (IOException) { }
        _network.Dispose();
        // The listener's session task ends here: it closes the socket and frees the connection's place in the limits.
        _onClosed();
    }
}

/// <summary>
/// Write side of a session: makes the package's sequence refusals 503 (<see cref="SmtpBadSequence"/>)
/// and adds RFC 3463 codes to reply lines that lack them (<see cref="SmtpEnhancedStatusCodes"/>), except in the greeting and the EHLO/HELO reply, which
/// start with the server name.
/// </summary>
internal sealed class SmtpReplyStream(Stream inner, string serverName, SmtpDataModeFlag dataMode, SmtpChunking chunking) : Stream
{
    private readonly List<byte> _line = new(256);
    private bool _inMultiline;
    private bool _exempt;

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() => inner.Flush();
    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count)
    {
        var output = Rewrite(buffer.AsSpan(offset, count));
        if (output.Length > 0)
            inner.Write(output);
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var output = Rewrite(buffer.Span);
        if (output.Length > 0)
            await inner.WriteAsync(output, cancellationToken);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    private byte[] Rewrite(ReadOnlySpan<byte> data)
    {
        using var output = new MemoryStream(data.Length + 32);
        foreach (var b in data)
        {
            _line.Add(b);
            if (b != (byte)'\n')
                continue;
            var line = Encoding.UTF8.GetString(_line.ToArray()).TrimEnd('\r', '\n');
            _line.Clear();
            if (!_inMultiline)
                _exempt = line.Length > 4 && line.AsSpan(4).StartsWith(serverName, StringComparison.OrdinalIgnoreCase);
            _inMultiline = line.Length > 3 && line[3] == '-';
            dataMode.Value = line.StartsWith("354", StringComparison.Ordinal);
            if (chunking.SwallowStartMailInput)
            {
                // A last BDAT chunk fed to the package as DATA: the client never sent DATA (RFC 3030).
                chunking.SwallowStartMailInput = false;
                if (dataMode.Value)
                    continue;
                chunking.DataRefused = true;
            }
            var rewritten = _exempt ? line : SmtpEnhancedStatusCodes.Apply(SmtpBadSequence.Rewrite(line));
            output.Write(Encoding.UTF8.GetBytes(rewritten + "\r\n"));
        }
        return output.ToArray();
    }
}

/// <summary>
/// Whether a session has got past the point where strangers are kept short: AUTH succeeded, or a
/// MAIL FROM was executed (an MX peer starting a transaction). Sticky for the session.
/// </summary>
internal sealed class SmtpSessionProgress
{
    private volatile bool _established;

    public SmtpSessionProgress(ISessionContext context)
    {
        context.SessionAuthenticated += (_, _) => _established = true;
        context.CommandExecuted += (_, e) =>
        {
            if (e.Command is SmtpServer.Protocol.MailCommand)
                _established = true;
        };
    }

    public bool IsEstablished => _established;
}

/// <summary>Whether the session is between a 354 reply and the next reply (reading message data).</summary>
internal sealed class SmtpDataModeFlag
{
    private volatile bool _value;
    public bool Value { get => _value; set => _value = value; }
}

/// <summary>
/// Outside DATA, a line longer than the limit ends the session with 500 5.5.6 (RFC 5321 section
/// 4.5.3.1.4 allows 512 octets; extensions and AUTH need more), instead of buffering it whole.
/// Before AUTH (submission) or the first MAIL FROM (MX), a client silent for longer than the
/// pre-authentication timeout is told 421 4.4.2 and disconnected: the package's own command timeout
/// is RFC 5321's five minutes for everyone, which lets idle connections opened by the thousand stay.
/// </summary>
internal sealed class SmtpCommandLineLimit(
    PipeReader inner, Stream output, SmtpPipeSettings settings, SmtpDataModeFlag dataMode, SmtpSessionProgress progress, ISessionContext context, SmtpChunking chunking)
    : PipeReader
{
    private readonly int maxLineLength = settings.MaxLineLength;

    /// <summary>A message that arrived as BDAT chunks, as the DATA the package reads instead of the socket until it is consumed.</summary>
    private ReadOnlySequence<byte>? _chunkedData;

    public override void AdvanceTo(SequencePosition consumed) => AdvanceTo(consumed, consumed);

    public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
    {
        if (_chunkedData is { } data)
        {
            var rest = data.Slice(consumed);
            _chunkedData = rest.IsEmpty ? null : rest;
            return;
        }
        inner.AdvanceTo(consumed, examined);
    }

    public override void CancelPendingRead() => inner.CancelPendingRead();
    public override void Complete(Exception? exception = null) => inner.Complete(exception);

    public override async ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
    {
        while (true)
        {
            if (chunking.DataRefused)
            {
                chunking.DataRefused = false;
                _chunkedData = null;
            }
            if (_chunkedData is { } data)
                return new ReadResult(data, isCanceled: false, isCompleted: false);
            var result = progress.IsEstablished ? await inner.ReadAsync(cancellationToken) : await ReadBeforeAuthenticationAsync(cancellationToken);
            await CheckAsync(result, cancellationToken);
            // RFC 3461 parameters are read (and malformed ones refused) here: the package drops RCPT's.
            if (dataMode.Value || (SmtpEnvelopeParameters.Check(result.Buffer) ?? SmtpDsnSession.Capture(result.Buffer, context)
                                   ?? await ChunkingAsync(result.Buffer, cancellationToken)) is not { } refusal)
                return result;
            // Lines SmtpServer 11.1.0's parser would throw on (and drop the session without a reply):
            // answered here and skipped (SmtpEnvelopeParameters; found by the smtp fuzz target).
            if (refusal.LineEnd is { } lineEnd)
                inner.AdvanceTo(lineEnd);
            if (refusal.Reply is { } reply)
            {
                await output.WriteAsync(Encoding.ASCII.GetBytes(reply + "\r\n"), cancellationToken);
                await output.FlushAsync(cancellationToken);
            }
        }
    }

    /// <summary>
    /// BDAT (RFC 3030, <see cref="SmtpChunking"/>): the line and its octets are consumed here; the reply
    /// is returned, or for the last chunk none, and the message waits in <see cref="_chunkedData"/>.
    /// DATA after a chunk is out of sequence (RFC 3030 section 2). Null for any other line.
    /// </summary>
    private async ValueTask<(string? Reply, SequencePosition? LineEnd)?> ChunkingAsync(ReadOnlySequence<byte> buffer, CancellationToken ct)
    {
        if (buffer.PositionOf((byte)'\n') is not { } lf)
            return null;
        var line = Encoding.Latin1.GetString(buffer.Slice(0, lf)).TrimEnd('\r');
        if (chunking.HasChunks && line.Equals("DATA", StringComparison.OrdinalIgnoreCase))
            return (SmtpBadSequence.Reply("DATA after BDAT; send BDAT ... LAST or RSET"), buffer.GetPosition(1, lf));
        if (!line.StartsWith("BDAT", StringComparison.OrdinalIgnoreCase) || (line.Length > 4 && line[4] != ' '))
            return null;
        inner.AdvanceTo(buffer.GetPosition(1, lf));
        if (SmtpChunking.Parse(line) is not { } bdat)
            return ("501 5.5.4 syntax: BDAT size [LAST]", null);
        var octets = await SmtpChunking.ReadOctetsAsync(inner, bdat.Size, settings.MaxMessageSize, ct);
        var reply = chunking.Take(bdat.Size, bdat.Last, octets, out var data);
        if (reply is not null)
            return (reply, null);
        _chunkedData = data;
        return (null, null);
    }

    private async ValueTask<ReadResult> ReadBeforeAuthenticationAsync(CancellationToken cancellationToken)
    {
        using var silence = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        silence.CancelAfter(settings.PreAuthTimeout);
        try
        {
            return await inner.ReadAsync(silence.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            await RefuseAsync(Encoding.ASCII.GetBytes($"421 4.4.2 {settings.ServerName} Timeout waiting for a command, closing connection\r\n"),
                "SMTP client silent before authentication", cancellationToken);
            throw; // not reached: RefuseAsync throws
        }
    }

    public override bool TryRead(out ReadResult result) => inner.TryRead(out result);

    private async Task CheckAsync(ReadResult result, CancellationToken ct)
    {
        if (dataMode.Value)
            return;
        // The package reads one command per ReadAsync: the first line of the buffer is the next command.
        var head = maxLineLength > 0 && result.Buffer.Length > maxLineLength ? result.Buffer.Slice(0, maxLineLength) : result.Buffer;
        var lf = head.PositionOf((byte)'\n');
        if (lf is null && head.Length < result.Buffer.Length)
        {
            await RefuseAsync("500 5.5.6 line too long\r\n"u8.ToArray(), $"SMTP command line longer than {maxLineLength} bytes", ct);
            return;
        }
        // Note: a bare CR or a NUL inside a command line is refused and the session ends, as Postfix
        // does for bare line ends: lenient parsers downstream split or cut lines there (CR/LF/NUL
        // injection into envelope addresses, CVE-2011-0411-like desynchronisation).
        var line = lf is null ? head : head.Slice(0, lf.Value);
        var endsWithCr = line.Length > 0 && line.Slice(line.Length - 1).FirstSpan[0] == (byte)'\r';
        if (endsWithCr)
            line = line.Slice(0, line.Length - 1);
        if ((lf is not null && !endsWithCr) || line.PositionOf((byte)'\r') is not null || line.PositionOf((byte)0) is not null)
            await RefuseAsync("500 5.5.2 bare CR, bare LF or NUL in command line\r\n"u8.ToArray(), "SMTP command line with a bare CR, LF or NUL", ct);
    }

    private async Task RefuseAsync(byte[] reply, string reason, CancellationToken ct)
    {
        await output.WriteAsync(reply, ct);
        await output.FlushAsync(ct);
        throw new IOException(reason);
    }
}
