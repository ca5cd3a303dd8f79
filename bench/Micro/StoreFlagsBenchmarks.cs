using BenchmarkDotNet.Attributes;
using HostingPanel.MailEngine.Delivery;
using HostingPanel.MailEngine.Storage;

namespace HostingPanel.Bench.Micro;

/// <summary>
/// IMAP STORE on a whole folder ("mark all as read", then unread again) in a real temporary store:
/// <see cref="MailStore.StoreFlagsAsync"/>, the write transaction every session and delivery of the
/// store waits behind while it runs. Each call flips \Seen on every message, so every row changes.
/// </summary>
[MemoryDiagnoser]
public class StoreFlagsBenchmarks
{
    private TemporaryEngine _engine = null!;
    private MailStore _store = null!;
    private long _folderId;
    private long[] _uids = [];
    private bool _seen;

    [Params(2_000)]
    public int Messages { get; set; }

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _engine = await TemporaryEngine.StartAsync();
        _store = _engine.Get<MailStore>();
        var delivery = _engine.Get<MailDelivery>();
        var mailbox = await _engine.CreateMailboxAsync("flags@bench.test");
        var message = CorpusSamples.Get("plain-small");
        for (var i = 0; i < Messages; i += 50)
        {
            // Delivered in parallel batches: the group committer makes setup take seconds, not minutes.
            await Task.WhenAll(Enumerable.Range(0, Math.Min(50, Messages - i))
                .Select(_ => delivery.DeliverAsync(new MemoryStream(message, writable: false), [mailbox.Id])));
        }
        var inbox = await _store.GetFolderAsync(mailbox.Id, "INBOX") ?? throw new InvalidOperationException("no INBOX");
        _folderId = inbox.Id;
        _uids = [.. (await _store.ListMessagesAsync(_folderId)).Select(m => m.Uid)];
        if (_uids.Length != Messages)
            throw new InvalidOperationException($"{_uids.Length} messages delivered, {Messages} wanted");
    }

    [GlobalCleanup]
    public async Task CleanupAsync() => await _engine.DisposeAsync();

    [Benchmark]
    public async Task<int> MarkAllReadOrUnread()
    {
        _seen = !_seen;
        var result = await _store.StoreFlagsAsync(_folderId, _uids, _seen ? FlagChange.Add : FlagChange.Remove, MessageFlags.Seen);
        if (result.Updated.Count != _uids.Length)
            throw new InvalidOperationException($"{result.Updated.Count} of {_uids.Length} messages changed");
        return result.Updated.Count;
    }
}
