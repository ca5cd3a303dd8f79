using HostingPanel.Application.Mailboxes;
using HostingPanel.MailEngine.Admin;

namespace HostingPanel.Provisioning;

/// <summary>The panel's activity view over the engine's <see cref="IMailboxActivityAdmin"/> (nodes that run the Mail role).</summary>
public sealed class EngineMailboxActivity(IMailboxActivityAdmin engine) : IMailboxActivitySource
{
    public bool Available => true;

    public async Task<MailboxActivitySnapshot?> GetAsync(string address, CancellationToken ct)
    {
        var a = await engine.GetActivityAsync(address, ct);
        return a is null ? null : new MailboxActivitySnapshot(a.Address, a.UsedBytes, a.QuotaBytes, a.ImapEnabled, a.Pop3Enabled, a.Pop3RetentionDays,
            a.LastLogins, a.Kept.Messages, a.Kept.Bytes, a.Kept.OldestRetrievedAt, a.Removed.Messages, a.Removed.Bytes, a.Removed.LastAt,
            (int)MailboxActivityAdmin.RemovalWindow.TotalDays, (int)MailboxActivityAdmin.KeeperMinimumAge.TotalDays);
    }

    public async Task<IReadOnlyList<Pop3KeeperSnapshot>> ListPop3KeepersAsync(IReadOnlyCollection<string>? domains, CancellationToken ct) =>
        (await engine.ListPop3KeepersAsync(domains, ct))
            .Select(k => new Pop3KeeperSnapshot(k.Address, k.UsedBytes, k.QuotaBytes, k.KeptMessages, k.KeptBytes, k.OldestRetrievedAt, k.LastPop3Login)).ToList();
}
