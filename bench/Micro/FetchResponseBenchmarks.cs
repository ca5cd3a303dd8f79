using System.Net;
using System.Text;
using BenchmarkDotNet.Attributes;
using HostingPanel.MailEngine.Delivery;
using HostingPanel.MailEngine.Protocol.Imap;
using HostingPanel.MailEngine.Protocol.Imap.Commands;
using HostingPanel.MailEngine.Sessions.Imap;
using HostingPanel.MailEngine.Storage.Imap;

namespace HostingPanel.Bench.Micro;

/// <summary>
/// The FETCH response writer as the engine runs it: a logged-in <see cref="ImapSession"/> with INBOX
/// selected on a real temporary store holding the first 50 corpus messages, executing a parsed FETCH
/// into its response buffer (the socket is left out: the channel just discards what would be sent).
/// Item sets: metadata only (from the session's message list), the cached ENVELOPE and BODYSTRUCTURE
/// (read from the store's rows), the header section and whole bodies (read from the body files).
/// </summary>
[MemoryDiagnoser]
public class FetchResponseBenchmarks
{
    private static readonly Dictionary<string, string> Fetches = new()
    {
        ["meta"] = "f FETCH 1:50 (UID FLAGS RFC822.SIZE INTERNALDATE)",
        ["envelope"] = "f FETCH 1:50 (ENVELOPE BODYSTRUCTURE FLAGS RFC822.SIZE)",
        ["headers"] = "f FETCH 1:50 BODY.PEEK[HEADER]",
        ["bodies"] = "f FETCH 1:10 BODY.PEEK[]",
    };

    private TemporaryEngine _engine = null!;
    private DiscardingChannel _channel = null!;
    private ImapSession _session = null!;
    private ImapCommand _fetch = null!;

    [Params("meta", "envelope", "headers", "bodies")]
    public string Items { get; set; } = "meta";

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _engine = await TemporaryEngine.StartAsync();
        var account = await _engine.CreateMailboxAsync("fetch@bench.test");
        var delivery = _engine.Get<MailDelivery>();
        foreach (var message in CorpusSamples.First(50))
            await delivery.DeliverAsync(new MemoryStream(message, writable: false), [account.Id]);

        _channel = new DiscardingChannel();
        _session = new ImapSession(new ImapSessionOptions { AllowPlaintextAuth = true }, _engine.Get<ImapStoreAuthenticator>(), _channel,
            new ImapClientInfo(new IPEndPoint(IPAddress.Loopback, 40000), IsSecure: false));
        _channel.Session = _session;
        await RunCheckedAsync($"l LOGIN fetch@bench.test {TemporaryEngine.Password}");
        await RunCheckedAsync("s SELECT INBOX");
        _fetch = ImapCommandParser.Parse(Fetches[Items] + "\r\n").Command ?? throw new InvalidOperationException("FETCH did not parse");
        await _session.ExecuteAsync(_fetch, CancellationToken.None);
        var text = Encoding.UTF8.GetString(_session.Output.WrittenSpan);
        if (!text.Contains("\r\nf OK", StringComparison.Ordinal) && !text.StartsWith("f OK", StringComparison.Ordinal))
            throw new InvalidOperationException("FETCH failed: " + text[^Math.Min(200, text.Length)..]);
        _session.Output.Clear();
    }

    [GlobalCleanup]
    public async Task CleanupAsync() => await _engine.DisposeAsync();

    /// <returns>Bytes of response (what would go to the socket).</returns>
    [Benchmark]
    public async Task<long> Fetch()
    {
        await _session.ExecuteAsync(_fetch, CancellationToken.None);
        var bytes = _channel.Discarded + _session.Output.WrittenCount;
        _channel.Discarded = 0;
        _session.Output.Clear();
        return bytes;
    }

    private async Task RunCheckedAsync(string line)
    {
        var command = ImapCommandParser.Parse(line + "\r\n").Command ?? throw new InvalidOperationException("did not parse: " + line);
        await _session.ExecuteAsync(command, CancellationToken.None);
        var text = Encoding.UTF8.GetString(_session.Output.WrittenSpan);
        if (!text.Contains(command.Tag + " OK", StringComparison.Ordinal))
            throw new InvalidOperationException(line + " failed: " + text);
        _session.Output.Clear();
    }

    /// <summary>Stands in for the socket: a flush just drops the pending output.</summary>
    private sealed class DiscardingChannel : IImapChannel
    {
        public ImapSession? Session { get; set; }
        public long Discarded { get; set; }

        public ValueTask FlushAsync(CancellationToken cancellationToken)
        {
            Discarded += Session!.Output.WrittenCount;
            Session.Output.Clear();
            return ValueTask.CompletedTask;
        }

        public ValueTask<string?> ReadLineAsync(CancellationToken cancellationToken) => ValueTask.FromResult<string?>(null);
    }
}
