using FluentValidation;
using HostingPanel.Application.Common;

namespace HostingPanel.Application.Mailboxes;

/// <summary>One folder's share of a mailbox. <see cref="Name"/> is the Unicode name, '/' between levels.</summary>
/// <param name="RetentionDays">Days after which messages that came into the folder are removed; 0 = never.</param>
/// <param name="RetentionIsDefault">True when it comes from the mailbox's Trash/Junk default, not from the folder.</param>
public sealed record FolderView(string Name, string? SpecialUse, long Messages, long Bytes, int RetentionDays, bool RetentionIsDefault);

public sealed record RetentionRunView(DateTimeOffset At, long Messages, long Bytes);

public sealed record LargeMessageView(string Folder, long Uid, long Size, DateTimeOffset Date, string Subject, string From);

/// <summary>The largest messages of a mailbox, largest first.</summary>
public sealed record LargestMessages(IReadOnlyList<LargeMessageView> Items);

/// <summary>Where a mailbox's space went: folders largest first, whether new mail is refused and since when, recent retention runs.</summary>
public sealed record MailboxFolderOverview(
    string Address,
    long UsedBytes,
    long QuotaBytes,
    long MessageCount,
    DateTimeOffset? RefusedSince,
    IReadOnlyList<FolderView> Folders,
    IReadOnlyList<RetentionRunView> RetentionRuns)
{
    public double UsedPercent => QuotaBytes <= 0 ? 0 : Math.Min(100, UsedBytes * 100.0 / QuotaBytes);
}

public enum FolderRetentionResult { Ok, MailboxNotFound, FolderNotFound }

/// <summary>
/// The engine's folder data as the panel sees it (implemented over the mail engine where this node runs it;
/// a node without the Mail role gets a stand-in that says so).
/// </summary>
public interface IMailboxFolderSource
{
    bool Available { get; }
    Task<MailboxFolderOverview?> GetOverviewAsync(string address, CancellationToken ct);
    Task<FolderRetentionResult> SetRetentionAsync(string address, string folder, int? retentionDays, CancellationToken ct);
    Task<IReadOnlyList<LargeMessageView>?> GetLargestMessagesAsync(string address, int limit, CancellationToken ct);
}

/// <summary>The stand-in on a node without the mail engine.</summary>
public sealed class NoMailboxFolderSource : IMailboxFolderSource
{
    public bool Available => false;
    public Task<MailboxFolderOverview?> GetOverviewAsync(string address, CancellationToken ct) => Task.FromResult<MailboxFolderOverview?>(null);
    public Task<FolderRetentionResult> SetRetentionAsync(string address, string folder, int? retentionDays, CancellationToken ct) =>
        Task.FromResult(FolderRetentionResult.MailboxNotFound);
    public Task<IReadOnlyList<LargeMessageView>?> GetLargestMessagesAsync(string address, int limit, CancellationToken ct) =>
        Task.FromResult<IReadOnlyList<LargeMessageView>?>(null);
}

/// <summary>PATCH of one folder: <c>retentionDays</c> (0 = never; null puts Trash and Junk back on the plan's default).</summary>
public sealed class FolderRetentionInput
{
    public int? RetentionDays { get; set; }
}

public sealed class FolderRetentionValidator : AbstractValidator<FolderRetentionInput>
{
    public FolderRetentionValidator()
    {
        When(x => x.RetentionDays is not null, () =>
            RuleFor(x => x.RetentionDays!.Value).RetentionDays().OverridePropertyName(nameof(FolderRetentionInput.RetentionDays)));
    }
}
