using BenchmarkDotNet.Attributes;
using HostingPanel.MailEngine.Delivery;
using HostingPanel.MailEngine.Protocol.Imap;
using HostingPanel.MailEngine.Protocol.Imap.Commands;

namespace HostingPanel.Bench.Micro;

/// <summary>
/// Header SEARCH, SORT and THREAD over the whole 2,000-message corpus INBOX (the IMAP issue's mailbox)
/// through a logged-in session on a real temporary store: what webmail's explicit sorts and a client's
/// header search cost once the folder has been searched (the steady state; setup runs each command once).
/// </summary>
[MemoryDiagnoser]
public class SortSearchBenchmarks
{
    private static readonly Dictionary<string, string> Commands = new()
    {
        ["search-subject"] = "c UID SEARCH SUBJECT \"invoice\"",
        ["search-from-not"] = "c UID SEARCH SUBJECT \"weekly\" NOT FROM \"bob\"",
        ["sort-subject"] = "c UID SORT (SUBJECT) UTF-8 ALL",
        ["sort-reverse-date"] = "c UID SORT (REVERSE DATE) UTF-8 ALL",
        ["thread-references"] = "c UID THREAD REFERENCES UTF-8 ALL",
    };

    private TemporaryEngine _engine = null!;
    private BenchImapSession _imap = null!;
    private ImapCommand _command = null!;

    [Params("search-subject", "search-from-not", "sort-subject", "sort-reverse-date", "thread-references")]
    public string Command { get; set; } = "sort-subject";

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _engine = await TemporaryEngine.StartAsync();
        var account = await _engine.CreateMailboxAsync("sort@bench.test");
        var delivery = _engine.Get<MailDelivery>();
        // Delivered 20 at a time: the group committer shares their commits, so setup takes seconds.
        foreach (var batch in CorpusSamples.First(2000).Chunk(20))
            await Task.WhenAll(batch.Select(m => delivery.DeliverAsync(new MemoryStream(m, writable: false), [account.Id])));

        _imap = await BenchImapSession.LoginAsync(_engine, "sort@bench.test");
        await _imap.RunCheckedAsync("s SELECT INBOX");
        _command = ImapCommandParser.Parse(Commands[Command] + "\r\n").Command ?? throw new InvalidOperationException("did not parse");
        await _imap.RunCheckedAsync(Commands[Command]);
    }

    [GlobalCleanup]
    public async Task CleanupAsync() => await _engine.DisposeAsync();

    /// <returns>Bytes of response (what would go to the socket).</returns>
    [Benchmark]
    public async Task<long> Run()
    {
        await _imap.Session.ExecuteAsync(_command, CancellationToken.None);
        return _imap.TakeOutputBytes();
    }
}
