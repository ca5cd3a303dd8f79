using BenchmarkDotNet.Attributes;
using HostingPanel.MailEngine.Delivery;
using HostingPanel.MailEngine.Protocol.Imap;
using HostingPanel.MailEngine.Protocol.Imap.Commands;
using HostingPanel.MailEngine.Sessions.Imap;

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
    private BenchImapSession _imap = null!;
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

        _imap = await BenchImapSession.LoginAsync(_engine, "fetch@bench.test");
        await _imap.RunCheckedAsync("s SELECT INBOX");
        _fetch = ImapCommandParser.Parse(Fetches[Items] + "\r\n").Command ?? throw new InvalidOperationException("FETCH did not parse");
        await _imap.RunCheckedAsync(Fetches[Items]);
    }

    [GlobalCleanup]
    public async Task CleanupAsync() => await _engine.DisposeAsync();

    /// <returns>Bytes of response (what would go to the socket).</returns>
    [Benchmark]
    public async Task<long> Fetch()
    {
        await _imap.Session.ExecuteAsync(_fetch, CancellationToken.None);
        return _imap.TakeOutputBytes();
    }
}
