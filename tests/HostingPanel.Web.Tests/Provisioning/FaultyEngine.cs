using System.Collections.Concurrent;
using HostingPanel.MailEngine.Admin;

namespace HostingPanel.Web.Tests.Provisioning;

/// <summary>
/// The real engine admin with faults injected in front of it: calls for chosen addresses fail a chosen
/// number of times, as an engine that is briefly unreachable would. Everything else passes through.
/// </summary>
public sealed class FaultyEngine(IMailEngineAdmin real) : IMailEngineAdmin
{
    private readonly ConcurrentDictionary<string, int> _failuresLeft = new(StringComparer.Ordinal);

    public ConcurrentDictionary<string, int> CallsFor { get; } = new(StringComparer.Ordinal);

    public void FailNext(string address, int times) => _failuresLeft[address] = times;

    private void MaybeFail(string address)
    {
        CallsFor.AddOrUpdate(address, 1, (_, n) => n + 1);
        if (_failuresLeft.TryGetValue(address, out var left) && left > 0)
        {
            _failuresLeft[address] = left - 1;
            throw new IOException($"engine unavailable (injected fault for {address})");
        }
    }

    public Task EnsureDomainAsync(string domain, CancellationToken ct = default) => real.EnsureDomainAsync(domain, ct);
    /// <summary>Runs inside the engine call for a domain, before it completes: what someone else does meanwhile.</summary>
    public Func<DomainSpec, Task>? WhileEnsuringDomain { get; set; }

    public async Task EnsureDomainAsync(DomainSpec spec, CancellationToken ct = default)
    {
        if (WhileEnsuringDomain is { } meanwhile) await meanwhile(spec);
        await real.EnsureDomainAsync(spec, ct);
    }
    public Task<IReadOnlyList<HostingPanel.MailEngine.Dkim.DkimPublicKey>> GetDkimKeysAsync(string domain, CancellationToken ct = default) => real.GetDkimKeysAsync(domain, ct);
    public Task RotateDkimKeysAsync(string domain, CancellationToken ct = default) => real.RotateDkimKeysAsync(domain, ct);
    public Task RemoveDomainAsync(string domain, DateTimeOffset purgeAfter, CancellationToken ct = default) => real.RemoveDomainAsync(domain, purgeAfter, ct);
    public Task EnsureMailboxAsync(MailboxSpec spec, CancellationToken ct = default) { MaybeFail(spec.Address); return real.EnsureMailboxAsync(spec, ct); }
    public Task EnsureMailboxesAsync(IReadOnlyList<MailboxSpec> specs, CancellationToken ct = default)
    {
        // All or none, like the real batch. A faulty address fails the batch without using up its faults:
        // the worker then applies the batch one by one, and the fault lands on that address alone.
        if (specs.FirstOrDefault(s => _failuresLeft.TryGetValue(s.Address, out var left) && left > 0) is { } faulty)
            return Task.FromException(new IOException($"engine unavailable (injected fault for {faulty.Address}, in a batch)"));
        foreach (var spec in specs) MaybeFail(spec.Address);
        return real.EnsureMailboxesAsync(specs, ct);
    }
    public Task EnsureAliasAsync(AliasSpec spec, CancellationToken ct = default) { MaybeFail(spec.Address); return real.EnsureAliasAsync(spec, ct); }
    public Task RemoveAliasAsync(string address, CancellationToken ct = default) => real.RemoveAliasAsync(address, ct);
    public Task RemoveMailboxAsync(string address, DateTimeOffset purgeAfter, CancellationToken ct = default) { MaybeFail(address); return real.RemoveMailboxAsync(address, purgeAfter, ct); }
    public Task RestoreMailboxAsync(string address, CancellationToken ct = default) => real.RestoreMailboxAsync(address, ct);
    public Task<int> PurgeExpiredAsync(DateTimeOffset now, CancellationToken ct = default) => real.PurgeExpiredAsync(now, ct);
    public Task PurgeMailboxAsync(string address, CancellationToken ct = default) => real.PurgeMailboxAsync(address, ct);
    public Task<IReadOnlyList<MailboxUsage>> GetUsageAsync(CancellationToken ct = default) => real.GetUsageAsync(ct);
    public Task<IReadOnlyList<MailboxUsage>> GetUsageAsync(IReadOnlyCollection<long> mailboxIds, CancellationToken ct = default) => real.GetUsageAsync(mailboxIds, ct);
    public Task<EngineDirectorySnapshot> GetDirectoryAsync(CancellationToken ct = default) => real.GetDirectoryAsync(ct);
}
