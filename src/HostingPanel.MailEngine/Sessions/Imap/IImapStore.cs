using HostingPanel.MailEngine.Protocol.Imap.Commands;

namespace HostingPanel.MailEngine.Sessions.Imap;

// What an IMAP session needs from authentication and the message store. The engine's store
// implements these (or an adapter does); the session knows nothing else about storage.

/// <summary>Checks a login and opens the account's mail.</summary>
public interface IImapAuthenticator
{
    /// <summary>Null when the credentials are wrong, the mailbox is disabled or IMAP is off for it (the session answers NO [AUTHENTICATIONFAILED]).</summary>
    ValueTask<IImapAccount?> AuthenticateAsync(string userName, string password, ImapClientInfo client, CancellationToken cancellationToken);

    /// <summary>Whether an ID value proves the client is the portal's webmail (see Auth/WebmailTicket); stores without webmail say no.</summary>
    bool IsWebmailTicket(string? value) => false;
}

/// <summary>Who is connecting: for throttling and logs.</summary>
/// <param name="Webmail">The client proved with ID, before logging in, that it is the portal's webmail.</param>
public sealed record ImapClientInfo(System.Net.IPEndPoint? RemoteEndPoint, bool IsSecure, bool Webmail = false);

/// <summary>One logged-in user's mailbox: its folders and quota. Folder names are Unicode, "/"-separated, INBOX spelled "INBOX".</summary>
public interface IImapAccount
{
    string UserName { get; }

    ValueTask<IReadOnlyList<ImapFolderInfo>> ListFoldersAsync(CancellationToken cancellationToken);

    ValueTask<ImapStoreResult> CreateFolderAsync(string name, string? specialUse, CancellationToken cancellationToken);

    /// <summary>INBOX cannot be deleted; a folder with children may be refused (HASCHILDREN) or only marked \Noselect.</summary>
    ValueTask<ImapStoreResult> DeleteFolderAsync(string name, CancellationToken cancellationToken);

    /// <summary>Renames a folder and its children; renaming INBOX moves its messages to the new folder (RFC 9051 6.3.6).</summary>
    ValueTask<ImapStoreResult> RenameFolderAsync(string from, string to, CancellationToken cancellationToken);

    /// <summary>Subscriptions are names apart from the folders (RFC 9051 6.3.7): a name may be subscribed whether or not it exists.</summary>
    ValueTask<ImapStoreResult> SetSubscribedAsync(string name, bool subscribed, CancellationToken cancellationToken);

    /// <summary>Every subscribed name, existing or not.</summary>
    /// <remarks>The default: the folders marked subscribed, for stores that tie subscriptions to folders.</remarks>
    async ValueTask<IReadOnlyList<string>> ListSubscriptionsAsync(CancellationToken cancellationToken) =>
        (await ListFoldersAsync(cancellationToken)).Where(f => f.IsSubscribed).Select(f => f.Name).ToList();

    /// <summary>Opens a folder for SELECT/EXAMINE or STATUS; null when it does not exist.</summary>
    ValueTask<IImapFolder?> OpenFolderAsync(string name, CancellationToken cancellationToken);

    /// <summary>Stores messages atomically into a folder, within quota (all or nothing).</summary>
    ValueTask<ImapAppendResult> AppendAsync(string folder, IReadOnlyList<ImapAppendMessage> messages, CancellationToken cancellationToken);

    ValueTask<ImapQuotaUsage> GetQuotaAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Calls <paramref name="revoked"/> (once, from any thread, without blocking) when what this session logged in
    /// with stops holding: a new password, a suspension, a removal. Disposing stops watching. Stores without
    /// credentials of their own watch nothing.
    /// </summary>
    IDisposable WatchCredentials(Action revoked) => NoCredentialWatch.Instance;

    /// <summary>
    /// A latch set by every change to this account (messages, flags, folders, subscriptions), from any session or
    /// node, for NOTIFY (RFC 5465). Stores that announce nothing return a watch that never fires.
    /// </summary>
    IImapChangeWatch WatchChanges() => NoChangeWatch.Instance;
}

/// <summary>Set by every change of one account; <see cref="WaitAsync"/> returns once it is set, and clears it.</summary>
public interface IImapChangeWatch : IDisposable
{
    Task WaitAsync(CancellationToken cancellationToken);

    /// <summary>Sets the latch again: a wait completed but the caller had to leave its result unused.</summary>
    void Requeue();
}

internal sealed class NoChangeWatch : IImapChangeWatch
{
    public static readonly NoChangeWatch Instance = new();

    public Task WaitAsync(CancellationToken cancellationToken) => Task.Delay(Timeout.Infinite, cancellationToken);

    public void Requeue()
    {
    }

    public void Dispose()
    {
    }
}

internal sealed class NoCredentialWatch : IDisposable
{
    public static readonly NoCredentialWatch Instance = new();
    public void Dispose() { }
}

/// <summary>One folder, opened. Sequence numbers are the session's business; the folder speaks UIDs.</summary>
public interface IImapFolder : IAsyncDisposable
{
    string Name { get; }

    /// <summary>The folder now: UIDVALIDITY, UIDNEXT, HIGHESTMODSEQ and every message's metadata in ascending UID order.</summary>
    ValueTask<ImapFolderSnapshot> GetSnapshotAsync(CancellationToken cancellationToken);

    /// <summary>
    /// The counts STATUS reports, computed by the store (an aggregate query), not from every message's metadata.
    /// Null when the folder was deleted meanwhile.
    /// </summary>
    /// <remarks>The default counts a snapshot, for stores without an aggregate.</remarks>
    async ValueTask<ImapFolderStatus?> GetStatusAsync(CancellationToken cancellationToken)
    {
        var snapshot = await GetSnapshotAsync(cancellationToken);
        var m = snapshot.Messages;
        return new ImapFolderStatus(m.Count, m.Count(x => !x.Flags.Contains(Protocol.Imap.ImapFlags.Seen)),
            m.Count(x => x.Flags.Contains(Protocol.Imap.ImapFlags.Deleted)), m.Sum(x => x.Size), snapshot.UidNext, snapshot.UidValidity, snapshot.HighestModSeq)
        {
            Recent = snapshot.UnclaimedRecentFrom == 0 ? 0 : m.Count(x => x.Uid >= snapshot.UnclaimedRecentFrom),
        };
    }

    /// <summary>
    /// The folder's HIGHESTMODSEQ: a cheap check the session makes after each command before asking
    /// for a snapshot. It must grow on every change: new message, flag change and expunge (RFC 7162 3.1.2).
    /// </summary>
    ValueTask<ulong> GetHighestModSeqAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Claims for this session the messages below <paramref name="upTo"/> that no session has seen as
    /// \Recent yet (RFC 3501 2.3.2); returns the first UID claimed, <paramref name="upTo"/> when none.
    /// </summary>
    /// <remarks>The default tracks no \Recent: nothing is ever claimed.</remarks>
    ValueTask<uint> ClaimRecentAsync(uint upTo, CancellationToken cancellationToken) => ValueTask.FromResult(upTo);

    /// <summary>
    /// A message's cached ENVELOPE/BODYSTRUCTURE/BODY bytes (computed at delivery with
    /// <c>Protocol.Imap.Mime</c>) and, when <paramref name="includeRaw"/>, its raw bytes. Null when the
    /// message is gone (expunged by another session). Without <paramref name="includeRaw"/> the store
    /// need not open the body file; the session asks again with it when a cached value is missing.
    /// </summary>
    ValueTask<ImapMessageData?> LoadMessageAsync(uint uid, bool includeRaw, CancellationToken cancellationToken);

    /// <summary>
    /// Several messages at once (FETCH and SEARCH over a set): one store query for the batch, and of each
    /// body only what <paramref name="load"/> asks. Messages gone meanwhile are left out; the rest come in
    /// ascending UID order with <see cref="ImapMessageData.Uid"/> set. With <see cref="ImapLoad.Header"/>,
    /// <see cref="ImapMessageData.Raw"/> may hold only the header block (then <see cref="ImapMessageData.HeaderOnly"/>).
    /// </summary>
    /// <remarks>The default asks <see cref="LoadMessageAsync"/> per message, for stores without a bulk path.</remarks>
    async ValueTask<IReadOnlyList<ImapMessageData>> LoadMessagesAsync(IReadOnlyList<uint> uids, ImapLoad load, CancellationToken cancellationToken)
    {
        var list = new List<ImapMessageData>(uids.Count);
        foreach (var uid in uids.Distinct().Order())
        {
            if (await LoadMessageAsync(uid, (load & (ImapLoad.Header | ImapLoad.Full)) != 0, cancellationToken) is { } data)
            {
                list.Add(data with { Uid = uid });
            }
        }

        return list;
    }

    /// <summary>
    /// The header summaries (SEARCH on the common header fields, SORT and THREAD keys) of these messages,
    /// in the order of <paramref name="uids"/>; null for a message gone meanwhile. A store may keep them in
    /// memory (<c>StoreAdapters.ImapHeaderSummaryCache</c>): then a search of a folder reads no header twice.
    /// </summary>
    /// <remarks>The default parses the header blocks <see cref="LoadMessagesAsync"/> returns, every time.</remarks>
    async ValueTask<IReadOnlyList<Protocol.Imap.Search.ImapHeaderSummary?>> LoadHeaderSummariesAsync(IReadOnlyList<uint> uids, CancellationToken cancellationToken)
    {
        var result = new Protocol.Imap.Search.ImapHeaderSummary?[uids.Count];
        await ImapHeaderSummaryLoader.FillAsync(this, uids, Enumerable.Range(0, uids.Count).ToList(), result, parsed: null, cancellationToken);
        return result;
    }

    /// <summary>
    /// Changes flags of the given messages. With <paramref name="unchangedSince"/> (CONDSTORE), messages whose
    /// mod-sequence is higher are left alone and reported in <see cref="ImapStoreFlagsResult.Modified"/>.
    /// </summary>
    ValueTask<ImapStoreFlagsResult> StoreFlagsAsync(IReadOnlyList<uint> uids, ImapStoreMode mode, IReadOnlyList<string> flags, ulong? unchangedSince, CancellationToken cancellationToken);

    /// <summary>Removes the messages flagged \Deleted (only those in <paramref name="uids"/> when given); returns their UIDs.</summary>
    ValueTask<IReadOnlyList<uint>> ExpungeAsync(IReadOnlyList<uint>? uids, CancellationToken cancellationToken);

    /// <summary>Copies (or moves) messages to another folder atomically and within quota.</summary>
    ValueTask<ImapCopyResult> CopyToAsync(IReadOnlyList<uint> uids, string destination, bool move, CancellationToken cancellationToken);

    /// <summary>Completes when the folder may have changed (new mail, flags, expunge by another session): wakes IDLE.</summary>
    Task WaitForChangeAsync(CancellationToken cancellationToken);
}

public sealed record ImapFolderInfo(string Name, string? SpecialUse, bool IsSubscribed, bool IsSelectable = true);

/// <summary>STATUS (RFC 9051 6.3.11) counts: MESSAGES, UNSEEN, DELETED, SIZE, UIDNEXT, UIDVALIDITY, HIGHESTMODSEQ, RECENT (RFC 3501).</summary>
public sealed record ImapFolderStatus(long Messages, long Unseen, long Deleted, long Size, uint UidNext, uint UidValidity, ulong HighestModSeq)
{
    /// <summary>Messages no session has seen as \Recent yet.</summary>
    public long Recent { get; init; }
}

public sealed record ImapFolderSnapshot(uint UidValidity, uint UidNext, ulong HighestModSeq, IReadOnlyList<ImapMessageMeta> Messages)
{
    /// <summary>Messages from this UID on are \Recent for no session yet; 0 when the store does not track \Recent.</summary>
    public uint UnclaimedRecentFrom { get; init; }

    /// <summary>The folder's keyword list for FLAGS: every keyword it has had, not only those its messages carry now.</summary>
    public IReadOnlyList<string> Keywords { get; init; } = [];
}

/// <summary>A message's metadata; <see cref="Flags"/> use the canonical system-flag spelling.</summary>
public sealed record ImapMessageMeta(uint Uid, IReadOnlyList<string> Flags, ulong ModSeq, DateTimeOffset InternalDate, long Size);

/// <summary>
/// The raw message (empty unless asked for) and the cached IMAP structures; any cached value may be
/// null, the session then computes it from the raw bytes.
/// </summary>
/// <param name="Uid">Set by <see cref="IImapFolder.LoadMessagesAsync"/>.</param>
/// <param name="HeaderOnly"><see cref="Raw"/> is the message's header block only (blank line included), not the whole message.</param>
public sealed record ImapMessageData(ReadOnlyMemory<byte> Raw, byte[]? Envelope = null, byte[]? BodyStructure = null, byte[]? Body = null,
    uint Uid = 0, bool HeaderOnly = false);

/// <summary>What <see cref="IImapFolder.LoadMessagesAsync"/> reads of each message.</summary>
[Flags]
public enum ImapLoad
{
    /// <summary>Metadata row only.</summary>
    None = 0,

    /// <summary>The cached ENVELOPE, BODYSTRUCTURE and BODY.</summary>
    Summaries = 1,

    /// <summary>At least the header block (the whole message when the store does not know where the header ends).</summary>
    Header = 2,

    /// <summary>The whole raw message.</summary>
    Full = 4,
}

public enum ImapStoreError
{
    None,
    NonExistent,
    AlreadyExists,
    OverQuota,
    Cannot,
    HasChildren,
    Limit,
}

public readonly record struct ImapStoreResult(ImapStoreError Error, string? Text = null)
{
    public static ImapStoreResult Ok => default;

    public bool Success => Error == ImapStoreError.None;
}

public sealed record ImapAppendResult(ImapStoreResult Result, uint UidValidity, IReadOnlyList<uint> Uids);

public sealed record ImapCopyResult(ImapStoreResult Result, uint UidValidity, IReadOnlyList<uint> SourceUids, IReadOnlyList<uint> DestinationUids);

public sealed record ImapStoreFlagsResult(IReadOnlyList<ImapMessageMeta> Changed, IReadOnlyList<uint> Modified);

/// <summary>RFC 9208 STORAGE (bytes here; the session reports KiB) and MESSAGE usage and limits; null limit is "none".</summary>
public sealed record ImapQuotaUsage(long UsedBytes, long? LimitBytes, long MessageCount, long? MessageLimit);
