using FluentValidation;
using HostingPanel.Application.Common;

namespace HostingPanel.Application.Mailboxes;

/// <summary>
/// Per-folder usage and retention of a mailbox, for the API, the staff/customer mailbox page and the owner's
/// own page. Tenancy is <see cref="MailboxService"/>'s: a mailbox outside the caller's scope is not found.
/// </summary>
public sealed class MailboxFolderService(
    MailboxService mailboxes,
    IMailboxFolderSource source,
    IValidator<FolderRetentionInput> validator,
    ChangeRecorder recorder,
    UnitOfWork unitOfWork)
{
    /// <summary>Folder names are IMAP's (at most 512 characters in the store); longer cannot exist.</summary>
    private const int MaxFolderName = 512;

    public async Task<ServiceResult<MailboxFolderOverview>> GetAsync(string domain, string localPart, CancellationToken ct = default)
    {
        var mailbox = await mailboxes.GetAsync(domain, localPart, ct);
        if (mailbox.Failure is { } failure) return failure;
        return await OverviewAsync(mailbox.Value!, ct);
    }

    /// <summary>The signed-in mailbox owner's own folders.</summary>
    public async Task<ServiceResult<MailboxFolderOverview>> GetOwnAsync(CancellationToken ct = default)
    {
        var mailbox = await mailboxes.GetOwnAsync(ct);
        if (mailbox.Failure is { } failure) return failure;
        return await OverviewAsync(mailbox.Value!, ct);
    }

    public async Task<ServiceResult<FolderView>> SetRetentionAsync(string domain, string localPart, string folder, FolderRetentionInput input, CancellationToken ct = default)
    {
        var mailbox = await mailboxes.GetAsync(domain, localPart, ct);
        if (mailbox.Failure is { } failure) return failure;
        return await SetAsync(mailbox.Value!, folder, input, ct);
    }

    public async Task<ServiceResult<FolderView>> SetOwnRetentionAsync(string folder, FolderRetentionInput input, CancellationToken ct = default)
    {
        var mailbox = await mailboxes.GetOwnAsync(ct);
        if (mailbox.Failure is { } failure) return failure;
        return await SetAsync(mailbox.Value!, folder, input, ct);
    }

    public async Task<ServiceResult<LargestMessages>> GetLargestAsync(string domain, string localPart, int limit, CancellationToken ct = default)
    {
        var mailbox = await mailboxes.GetAsync(domain, localPart, ct);
        if (mailbox.Failure is { } failure) return failure;
        var largest = await source.GetLargestMessagesAsync(mailbox.Value!.Address, Math.Clamp(limit, 1, 100), ct);
        return new LargestMessages(largest ?? []);
    }

    public async Task<ServiceResult<LargestMessages>> GetOwnLargestAsync(int limit, CancellationToken ct = default)
    {
        var mailbox = await mailboxes.GetOwnAsync(ct);
        if (mailbox.Failure is { } failure) return failure;
        var largest = await source.GetLargestMessagesAsync(mailbox.Value!.Address, Math.Clamp(limit, 1, 100), ct);
        return new LargestMessages(largest ?? []);
    }

    private async Task<ServiceResult<MailboxFolderOverview>> OverviewAsync(MailboxView mailbox, CancellationToken ct)
    {
        // Not yet in the engine (pending), or a node without the engine: no folders yet, the panel's own usage figures.
        var overview = await source.GetOverviewAsync(mailbox.Address, ct);
        return overview ?? new MailboxFolderOverview(mailbox.Address, mailbox.UsedBytes, mailbox.QuotaMb * 1024 * 1024, mailbox.MessageCount, null, [], []);
    }

    /// <summary>The failure for a folder the mailbox does not have (the portal shows it as a message, not as a 404 page).</summary>
    public static readonly Failure FolderNotFound = Failure.NotFound("The folder");

    private async Task<ServiceResult<FolderView>> SetAsync(MailboxView mailbox, string folder, FolderRetentionInput input, CancellationToken ct)
    {
        var validation = await validator.ValidateAsync(input, ct);
        if (!validation.IsValid) return Failure.FromValidation(validation);
        if (string.IsNullOrEmpty(folder) || folder.Length > MaxFolderName || folder.Any(char.IsControl)) return FolderNotFound;
        // A mailbox the engine does not have yet has no folders either.
        if (await source.SetRetentionAsync(mailbox.Address, folder, input.RetentionDays, ct) != FolderRetentionResult.Ok) return FolderNotFound;
        recorder.Audit("mailbox.folder-retention", "Mailbox", mailbox.Address,
            $"{folder}: {(input.RetentionDays is { } d ? d == 0 ? "keep forever" : $"{d} days" : "plan default")}");
        if (await unitOfWork.CommitAsync("retentionDays", ct) is { } failure) return failure;
        var overview = await source.GetOverviewAsync(mailbox.Address, ct);
        var view = overview?.Folders.FirstOrDefault(f => string.Equals(f.Name, folder, StringComparison.Ordinal)
            || (f.Name == "INBOX" && folder.Equals("INBOX", StringComparison.OrdinalIgnoreCase)));
        if (view is null) return FolderNotFound;
        return view;
    }
}
