using System.Buffers;
using System.IO.Pipelines;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using HostingPanel.MailEngine.Listeners;
using HostingPanel.MailEngine.Protocol.Pop3;

namespace HostingPanel.MailEngine.Sessions.Pop3;

/// <summary>
/// One POP3 connection: the socket, TLS and framing. Reads command lines from a pipe (several per read
/// when the client pipelines), hands each to its <see cref="Pop3Session"/>, and flushes replies once per
/// batch. The session owns the state and the commands.
/// </summary>
internal sealed class Pop3Connection
{
    private static readonly StreamPipeReaderOptions ReaderOptions = new(bufferSize: 4096, minimumReadSize: 1024, leaveOpen: true, useZeroByteReads: true);
    private static readonly StreamPipeWriterOptions WriterOptions = new(minimumBufferSize: 4096, leaveOpen: true);

    private readonly Pop3Services _services;
    private readonly CancellationToken _stopping;
    private readonly Pop3Session _session;
    private Stream _stream;
    private PipeReader _reader;
    private PipeWriter _writer;
    private CancellationTokenSource? _idle;

    public Pop3Connection(MailConnection connection, bool implicitTls, Pop3Services services, CancellationToken stopping)
    {
        _services = services;
        _stopping = stopping;
        _stream = new NetworkStream(connection.Socket, ownsSocket: false);
        IsTls = implicitTls;
        _reader = PipeReader.Create(_stream, ReaderOptions);
        _writer = PipeWriter.Create(_stream, WriterOptions);
        _session = new Pop3Session(this, connection.RemoteEndPoint.Address, services, stopping);
    }

    /// <summary>The connection is encrypted (implicit TLS, or after STLS).</summary>
    public bool IsTls { get; private set; }

    /// <summary>Replies written and not yet flushed.</summary>
    public long UnflushedBytes => _writer.UnflushedBytes;

    /// <summary>The reply pipe, for a response streamed in parts (TOP).</summary>
    public PipeWriter Writer => _writer;

    /// <summary>The bare stream, for a response that bypasses the pipe (RETR) once the pipe is flushed.</summary>
    public Stream Stream => _stream;

    public async Task RunAsync()
    {
        try
        {
            if (IsTls)
            {
                IsTls = false;
                await UpgradeToTlsAsync();
            }
            Write(Pop3Replies.Greeting);
            await _writer.FlushAsync(_stopping);
            await LoopAsync();
        }
        finally
        {
            await _session.EndAsync();
            _idle?.Dispose();
            await _reader.CompleteAsync();
            await _writer.CompleteAsync();
            await _stream.DisposeAsync();
        }
    }

    public ValueTask<FlushResult> FlushAsync(CancellationToken ct) => _writer.FlushAsync(ct);

    private async Task LoopAsync()
    {
        var discarding = false;
        var limits = _services.Options.Pop3Limits;
        while (true)
        {
            ReadResult result;
            // One idle timer per connection, re-armed for each read: a new linked source and timer per
            // command would cost more than answering a small RETR.
            if (_idle is null || !_idle.TryReset())
            {
                _idle?.Dispose();
                _idle = CancellationTokenSource.CreateLinkedTokenSource(_stopping, _session.Revoked);
            }
            // Before a login only the short pre-authentication timeout (Mail:Limits:PreAuthTimeout): idle
            // connections opened by the thousand must not wait out RFC 1939's ten minutes.
            _idle.CancelAfter(_session.State is Pop3TransactionState ? limits.IdleTimeout : _services.Options.Limits.PreAuthTimeout);
            try
            {
                result = await _reader.ReadAsync(_idle.Token);
            }
            catch (OperationCanceledException) when (_session.Revoked.IsCancellationRequested && !_stopping.IsCancellationRequested)
            {
                // No UPDATE state (RFC 1939 section 6): what was DELE'd stays.
                Write(_session.RevokedReply);
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
            var outcome = Pop3Outcome.Continue;
            while (outcome == Pop3Outcome.Continue)
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
                    outcome = _session.Bad(Pop3Replies.ErrLineTooLong);
                    continue;
                }
                outcome = await _session.HandleLineAsync(line.ToArray());
            }

            if (outcome == Pop3Outcome.StartTls)
            {
                // RFC 2595 section 3.1 / CVE-2011-0411: anything pipelined after STLS is discarded, not run under TLS.
                _reader.AdvanceTo(buffer.End);
                await _writer.FlushAsync(_stopping);
                await UpgradeToTlsAsync();
                continue;
            }
            _reader.AdvanceTo(buffer.Start, buffer.End);
            await _writer.FlushAsync(_stopping);
            if (outcome == Pop3Outcome.Close || result.IsCompleted)
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
        IsTls = true;
        _reader = PipeReader.Create(_stream, ReaderOptions);
        _writer = PipeWriter.Create(_stream, WriterOptions);
    }

    /// <summary>Writes one reply line and its CRLF into the pipe.</summary>
    public void Write(string line)
    {
        var length = Encoding.UTF8.GetByteCount(line) + 2;
        var span = _writer.GetSpan(length);
        var written = Encoding.UTF8.GetBytes(line, span);
        span[written] = (byte)'\r';
        span[written + 1] = (byte)'\n';
        _writer.Advance(written + 2);
    }
}
