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
    private readonly X509Certificate2? _certificate;
    private readonly ImapCommandReader _reader;
    private Stream _stream;
    private PipeReader _input;
    private readonly ImapSession _session;

    public ImapConnection(Stream stream, ImapSessionOptions options, IImapAuthenticator authenticator, ImapClientInfo client, X509Certificate2? certificate = null)
    {
        _stream = stream;
        _options = options with { StartTlsAvailable = certificate is not null && !client.IsSecure };
        _certificate = certificate;
        _reader = new ImapCommandReader(options.Limits);
        _input = PipeReader.Create(stream, ReaderOptions);
        _session = new ImapSession(_options, authenticator, this, client);
    }

    public ImapSession Session => _session;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
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
                    result = await _input.ReadAsync(autologout.Token);
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
                        await _session.ExecuteAsync(read.Frame!, cancellationToken);
                        break;
                }

                await FlushAsync(cancellationToken);
                if (_session.StartTlsRequested)
                {
                    await StartTlsAsync(cancellationToken);
                }
            }
        }
        catch (IOException)
        {
            // The client went away.
        }
        finally
        {
            await _session.DeselectAsync();
            await _input.CompleteAsync();
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
        await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = _certificate }, cancellationToken);
        _stream = tls;
        _input = PipeReader.Create(tls, ReaderOptions);
        _session.Client = _session.Client with { IsSecure = true };
    }
}
