using System.Runtime.InteropServices;
using HostingPanel.MailEngine.Protocol.Imap.Commands;
using HostingPanel.MailEngine.Protocol.Imap;
using HostingPanel.MailEngine.Storage;

namespace HostingPanel.MailEngine.Sessions.Imap.StoreAdapters;

/// <summary>
/// One logged-in mailbox seen through <see cref="IImapAccount"/>. The session speaks Unicode folder
/// names; the store keeps the wire form (modified UTF-7), so names are converted at this boundary.
/// </summary>
public sealed class ImapStoreAccount(MailStore store, long mailboxId, string address, Delivery.Rspamd.RspamdLearning? learning = null) : IImapAccount
{
    public string UserName => address;

    internal MailStore Store => store;

    internal long MailboxId => mailboxId;

    /// <summary>Moves into and out of Junk teach rspamd through it (null: no filter configured here).</summary>
    internal Delivery.Rspamd.RspamdLearning? Learning => learning;

    public IDisposable WatchCredentials(Action revoked) =>
        store.Changes.Subscribe(mailboxId, change =>
        {
            if (change.Kind == MailboxChangeKind.CredentialsChanged)
                revoked();
        });

    public IImapChangeWatch WatchChanges() => new ImapStoreChangeWatch(store.Changes, mailboxId);

    public async ValueTask<IReadOnlyList<ImapFolderInfo>> ListFoldersAsync(CancellationToken cancellationToken)
    {
        var folders = await store.ListFoldersAsync(mailboxId, cancellationToken);
        var list = new List<ImapFolderInfo>(folders.Count);
        foreach (var folder in folders)
        {
            // Note: names are validated on the way in; one that does not decode (written by an older
            // version or by hand) is shown as stored rather than hidden, so it stays reachable.
            var name = ToUnicode(folder.Name);
            list.Add(new ImapFolderInfo(name, folder.SpecialUse, folder.Subscribed));
        }

        return list;
    }

    public async ValueTask<ImapStoreResult> CreateFolderAsync(string name, string? specialUse, CancellationToken cancellationToken) =>
        Map(await store.CreateFolderAsync(mailboxId, ToStore(name), specialUse, cancellationToken), "CREATE");

    public async ValueTask<ImapStoreResult> DeleteFolderAsync(string name, CancellationToken cancellationToken)
    {
        if (IsInbox(name))
        {
            return new ImapStoreResult(ImapStoreError.Cannot, "INBOX cannot be deleted.");
        }

        return Map(await store.DeleteFolderAsync(mailboxId, ToStore(name), cancellationToken), "DELETE");
    }

    public async ValueTask<ImapStoreResult> RenameFolderAsync(string from, string to, CancellationToken cancellationToken)
    {
        if (IsInbox(from) || IsInbox(to))
        {
            // Note: RFC 9051 6.3.6 allows renaming INBOX by moving its messages; the store refuses it, as several servers do.
            return new ImapStoreResult(ImapStoreError.Cannot, "INBOX cannot be renamed.");
        }

        return Map(await store.RenameFolderAsync(mailboxId, ToStore(from), ToStore(to), cancellationToken), "RENAME");
    }

    public async ValueTask<IReadOnlyList<string>> ListSubscriptionsAsync(CancellationToken cancellationToken) =>
        (await store.ListSubscriptionsAsync(mailboxId, cancellationToken)).ConvertAll(ToUnicode);

    public async ValueTask<ImapStoreResult> SetSubscribedAsync(string name, bool subscribed, CancellationToken cancellationToken)
    {
        var status = await store.SetSubscribedAsync(mailboxId, ToStore(name), subscribed, cancellationToken);
        if (status == StoreStatus.Ok)
        {
            // NOTIFY's SubscriptionChange (RFC 5465 section 5.5): other sessions of the account learn of it.
            store.Changes.Publish(new MailboxChange(mailboxId, 0, MailboxChangeKind.FoldersChanged, [], 0, this));
        }

        return Map(status, "SUBSCRIBE");
    }

    public async ValueTask<IImapFolder?> OpenFolderAsync(string name, CancellationToken cancellationToken)
    {
        var folder = await store.GetFolderAsync(mailboxId, ToStore(name), cancellationToken);
        return folder is null ? null : new ImapStoreFolder(this, folder.Id, IsInbox(name) ? MailStore.Inbox : name);
    }

    public async ValueTask<ImapAppendResult> AppendAsync(string folder, IReadOnlyList<ImapAppendMessage> messages, CancellationToken cancellationToken)
    {
        var target = await store.GetFolderAsync(mailboxId, ToStore(folder), cancellationToken);
        if (target is null)
        {
            return new ImapAppendResult(new ImapStoreResult(ImapStoreError.NonExistent, "No such mailbox."), 0, []);
        }

        var uids = new List<long>(messages.Count);
        long uidValidity = 0;
        var completed = false;
        try
        {
            foreach (var message in messages)
            {
                var (flags, keywords) = ImapStoreFlags.FromImap(message.Flags);
                using var stream = AsStream(message.Data);
                var result = await store.AppendAsync(mailboxId, target.Id, stream, flags, keywords, message.InternalDate, 0, this, cancellationToken);
                if (result.Status != StoreStatus.Ok)
                {
                    return new ImapAppendResult(Map(result.Status, "APPEND"), 0, []);
                }

                uidValidity = result.UidValidity;
                uids.Add(result.Uid);
            }

            completed = true;
            return new ImapAppendResult(ImapStoreResult.Ok, (uint)uidValidity, uids.ConvertAll(u => (uint)u));
        }
        finally
        {
            // MULTIAPPEND is all or nothing (RFC 3502 section 6): take back what a later message's failure left.
            if (!completed && uids.Count > 0)
            {
                await store.ExpungeAsync(target.Id, uids, onlyDeleted: false, origin: this, ct: CancellationToken.None);
            }
        }
    }

    public async ValueTask<ImapQuotaUsage> GetQuotaAsync(CancellationToken cancellationToken)
    {
        var usage = await store.GetQuotaAsync(mailboxId, cancellationToken);
        if (usage is null)
        {
            return new ImapQuotaUsage(0, null, 0, null);
        }

        // The store limits bytes only (0 = unlimited); there is no message-count limit to announce.
        return new ImapQuotaUsage(usage.UsedBytes, usage.QuotaBytes > 0 ? usage.QuotaBytes : null, usage.MessageCount, null);
    }

    internal static string ToStore(string name) => IsInbox(name) ? MailStore.Inbox : ImapModifiedUtf7.Encode(name);

    internal static string ToUnicode(string stored) =>
        stored == MailStore.Inbox ? stored : ImapModifiedUtf7.TryDecode(stored, out var decoded, out _) ? decoded : stored;

    private static bool IsInbox(string name) => name.Equals(MailStore.Inbox, StringComparison.OrdinalIgnoreCase);

    private static MemoryStream AsStream(ReadOnlyMemory<byte> data) =>
        MemoryMarshal.TryGetArray(data, out var segment)
            ? new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false)
            : new MemoryStream(data.ToArray(), writable: false);

    internal static ImapStoreResult Map(StoreStatus status, string command) => status switch
    {
        StoreStatus.Ok => ImapStoreResult.Ok,
        StoreStatus.NotFound => new ImapStoreResult(ImapStoreError.NonExistent, "No such mailbox."),
        StoreStatus.AlreadyExists => new ImapStoreResult(ImapStoreError.AlreadyExists, "Mailbox already exists."),
        StoreStatus.OverQuota => new ImapStoreResult(ImapStoreError.OverQuota, "Quota exceeded."),
        StoreStatus.HasChildren => new ImapStoreResult(ImapStoreError.HasChildren, "Mailbox has children; delete them first."),
        StoreStatus.TooLarge => new ImapStoreResult(ImapStoreError.Limit, "Message too large."),
        StoreStatus.MailboxInactive => new ImapStoreResult(ImapStoreError.Cannot, "Mailbox is disabled."),
        _ => new ImapStoreResult(ImapStoreError.Cannot, command + " refused: invalid mailbox name."),
    };
}
