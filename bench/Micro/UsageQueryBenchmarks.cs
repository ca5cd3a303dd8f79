using BenchmarkDotNet.Attributes;
using HostingPanel.MailEngine.Admin;
using HostingPanel.MailEngine.Auth;
using HostingPanel.MailEngine.Directory;

namespace HostingPanel.Bench.Micro;

/// <summary>
/// What the usage sync asks the engine on each pass, with 10,000 mailboxes in a real temporary store:
/// every mailbox (the full pass at start and every UsageInterval) against only the mailboxes that changed
/// (the passes a few seconds after deliveries).
/// </summary>
[MemoryDiagnoser]
public class UsageQueryBenchmarks
{
    private const int Mailboxes = 10_000;
    private TemporaryEngine _engine = null!;
    private IMailEngineAdmin _admin = null!;
    private long[] _changed = [];

    /// <summary>0: every mailbox (full pass); otherwise how many changed since the last pass.</summary>
    [Params(0, 1, 50)]
    public int Changed { get; set; }

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _engine = await TemporaryEngine.StartAsync();
        _admin = _engine.Get<IMailEngineAdmin>();
        var hash = DovecotPassword.HashSha512Crypt(TemporaryEngine.Password);
        await _admin.EnsureDomainAsync("usage.test");
        for (var start = 0; start < Mailboxes; start += 500)
            await _admin.EnsureMailboxesAsync(Enumerable.Range(start, 500)
                .Select(i => new MailboxSpec($"u{i:00000}@usage.test", hash, 0, true, true, true, 0)).ToList());
        var directory = _engine.Get<MailDirectory>();
        var ids = new List<long>();
        // Spread over the directory, as deliveries to different customers would be.
        for (var i = 0; i < Math.Max(1, Changed); i++)
            ids.Add((await directory.FindMailboxAsync($"u{i * (Mailboxes / Math.Max(1, Changed)):00000}@usage.test"))!.Id);
        _changed = [.. ids];
    }

    [GlobalCleanup]
    public async Task CleanupAsync() => await _engine.DisposeAsync();

    [Benchmark]
    public async Task<int> ReadUsage() =>
        (Changed == 0 ? await _admin.GetUsageAsync() : await _admin.GetUsageAsync(_changed)).Count;
}
