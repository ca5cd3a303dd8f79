using HostingPanel.Application.Mailboxes;
using HostingPanel.MailEngine.Admin;

namespace HostingPanel.Provisioning;

/// <summary>The panel's folder view over the engine's <see cref="IMailboxFolderAdmin"/> (nodes that run the Mail role).</summary>
public sealed class EngineMailboxFolders(IMailboxFolderAdmin engine) : IMailboxFolderSource
{
    public bool Available => true;

    public async Task<Application.Mailboxes.MailboxFolderOverview?> GetOverviewAsync(string address, CancellationToken ct)
    {
        var o = await engine.GetOverviewAsync(address, ct);
        return o is null ? null : new Application.Mailboxes.MailboxFolderOverview(o.Address, o.UsedBytes, o.QuotaBytes, o.MessageCount, o.RefusedSince,
            o.Folders.Select(f => new FolderView(f.Name, f.SpecialUse, f.Messages, f.Bytes, f.RetentionDays, f.RetentionIsDefault)).ToList(),
            o.RetentionRuns.Select(r => new RetentionRunView(r.At, r.Messages, r.Bytes)).ToList());
    }

    public async Task<FolderRetentionResult> SetRetentionAsync(string address, string folder, int? retentionDays, CancellationToken ct) =>
        await engine.SetRetentionAsync(address, folder, retentionDays, ct) switch
        {
            FolderRetentionOutcome.Ok => FolderRetentionResult.Ok,
            FolderRetentionOutcome.FolderNotFound => FolderRetentionResult.FolderNotFound,
            _ => FolderRetentionResult.MailboxNotFound,
        };

    public async Task<IReadOnlyList<LargeMessageView>?> GetLargestMessagesAsync(string address, int limit, CancellationToken ct) =>
        (await engine.GetLargestMessagesAsync(address, limit, ct))?.Select(m => new LargeMessageView(m.Folder, m.Uid, m.Size, m.InternalDate, m.Subject, m.From)).ToList();
}
