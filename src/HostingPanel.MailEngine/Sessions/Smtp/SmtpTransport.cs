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

/// <summary>
/// Our own sockets under the SmtpServer package: binds each endpoint (a negative port asks the OS for a
/// free one, recorded in the listener registry) and hands each session an <see cref="SmtpSecurablePipe"/>.
/// </summary>
internal sealed class SmtpEndpointListenerFactory(IReadOnlyDictionary<IEndpointDefinition, string> names, int maxLineLength, MailListenerRegistry registry, ILogger logger)
    : IEndpointListenerFactory
{
    public IEndpointListener CreateListener(IEndpointDefinition endpointDefinition)
    {
        var listener = new TcpListener(endpointDefinition.Endpoint);
        listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        listener.Start(512);
        var name = names[endpointDefinition];
        var bound = (IPEndPoint)listener.LocalEndpoint;
        registry.Register(name, bound);
        logger.LogInformation("Mail listener {Name} on {EndPoint}", name, bound);
        return new SmtpEndpointListener(listener, maxLineLength, () => registry.Unregister(name), logger);
    }
}

internal sealed class SmtpEndpointListener(TcpListener listener, int maxLineLength, Action onDispose, ILogger logger) : IEndpointListener
{
    public async Task<ISecurableDuplexPipe> GetPipeAsync(ISessionContext context, CancellationToken cancellationToken)
    {
        var client = await listener.AcceptTcpClientAsync(cancellationToken);
        client.NoDelay = true;
        context.Properties[EndpointListener.LocalEndPointKey] = listener.LocalEndpoint;
        context.Properties[EndpointListener.RemoteEndPointKey] = client.Client.RemoteEndPoint!;
        return new SmtpSecurablePipe(client, context.ServerOptions.ServerName, maxLineLength, logger);
    }

    public void Dispose()
    {
        listener.Stop();
        onDispose();
    }
}

/// <summary>
/// The session's byte pipe. Replies pass through <see cref="SmtpReplyStream"/> (enhanced status codes);
/// STARTTLS drops whatever the client pipelined in plaintext after the command (CVE-2011-0411).
/// Command lines are bounded by <see cref="SmtpCommandLineLimit"/>: the package itself bounds them only
/// by the message size.
/// </summary>
internal sealed class SmtpSecurablePipe : ISecurableDuplexPipe
{
    private readonly TcpClient _client;
    private readonly NetworkStream _network;
    private readonly string _serverName;
    private readonly int _maxLineLength;
    private readonly ILogger _logger;
    private readonly SmtpDataModeFlag _dataMode = new();
    private Stream _stream;

    public SmtpSecurablePipe(TcpClient client, string serverName, int maxLineLength, ILogger logger)
    {
        _client = client;
        _serverName = serverName;
        _maxLineLength = maxLineLength;
        _logger = logger;
        _network = client.GetStream();
        _stream = _network;
        (Input, Output) = CreatePipes(_stream);
    }

    private (PipeReader, PipeWriter) CreatePipes(Stream stream) =>
        (new SmtpCommandLineLimit(PipeReader.Create(stream, new StreamPipeReaderOptions(leaveOpen: true)), stream, _maxLineLength, _dataMode),
         PipeWriter.Create(new SmtpReplyStream(stream, _serverName, _dataMode), new StreamPipeWriterOptions(leaveOpen: true)));

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

    public void Dispose()
    {
        try { _stream.Dispose(); } catch (IOException) { }
        _client.Dispose();
    }
}

/// <summary>
/// Write side of a session: adds RFC 3463 codes to reply lines that lack them
/// (<see cref="SmtpEnhancedStatusCodes"/>), except in the greeting and the EHLO/HELO reply, which
/// start with the server name.
/// </summary>
internal sealed class SmtpReplyStream(Stream inner, string serverName, SmtpDataModeFlag dataMode) : Stream
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
            var rewritten = _exempt ? line : SmtpEnhancedStatusCodes.Apply(line);
            output.Write(Encoding.UTF8.GetBytes(rewritten + "\r\n"));
        }
        return output.ToArray();
    }
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
/// </summary>
internal sealed class SmtpCommandLineLimit(PipeReader inner, Stream output, int maxLineLength, SmtpDataModeFlag dataMode) : PipeReader
{
    public override void AdvanceTo(SequencePosition consumed) => inner.AdvanceTo(consumed);
    public override void AdvanceTo(SequencePosition consumed, SequencePosition examined) => inner.AdvanceTo(consumed, examined);
    public override void CancelPendingRead() => inner.CancelPendingRead();
    public override void Complete(Exception? exception = null) => inner.Complete(exception);

    public override async ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
    {
        while (true)
        {
            var result = await inner.ReadAsync(cancellationToken);
            await CheckAsync(result, cancellationToken);
            if (dataMode.Value || SmtpEnvelopeParameters.Check(result.Buffer) is not { } refusal)
                return result;
            // Lines SmtpServer 11.1.0's parser would throw on (and drop the session without a reply):
            // answered here and skipped (SmtpEnvelopeParameters; found by the smtp fuzz target).
            inner.AdvanceTo(refusal.LineEnd);
            await output.WriteAsync(Encoding.ASCII.GetBytes(refusal.Reply + "\r\n"), cancellationToken);
            await output.FlushAsync(cancellationToken);
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
