using HostingPanel.MailEngine.Directory;
using HostingPanel.MailEngine.Protocol.Imap;
using HostingPanel.MailEngine.Storage;

namespace HostingPanel.MailEngine.Transfer;

/// <summary><see cref="IMailboxTransfer"/> on the store: folder names are kept in the store's wire form (modified UTF-7) and shown in Unicode.</summary>
public sealed class MailboxTransfer(MailStore store, MailDirectory directory, EngineDatabase db) : IMailboxTransfer
{
    /// <summary>How much of a body is read to find its Message-ID when the header size is not known.</summary>
    private const int HeadProbe = 64 * 1024;

    public async Task<MailboxAccount?> FindAsync(string address, CancellationToken ct = default)
    {
        if (MailDirectory.NormalizeAddress(address) is not { } normalized) return null;
        var rows = await db.ReadAsync(c => c.QueryAsync(null, "SELECT id FROM mailboxes WHERE address = @a", r => r.Long(0), ("@a", normalized)), ct);
        return rows.Count == 0 ? null : await directory.FindMailboxByIdAsync(rows[0], ct);
    }

    public async Task<IReadOnlyList<TransferFolder>> ListFoldersAsync(long mailboxId, CancellationToken ct = default)
    {
        var result = new List<TransferFolder>();
        foreach (var f in await store.ListFoldersAsync(mailboxId, ct))
        {
            var status = await store.GetFolderStatusAsync(f.Id, ct);
            result.Add(new TransferFolder(Unicode(f.Name), f.SpecialUse, status?.Messages ?? 0, status?.Size ?? 0));
        }
        return result;
    }

    public async Task<IReadOnlyList<TransferMessage>> ListMessagesAsync(long mailboxId, string folder, CancellationToken ct = default)
    {
        var f = await store.GetFolderAsync(mailboxId, Wire(folder), ct);
        if (f is null) return [];
        var messages = await store.ListMessagesAsync(f.Id, includeSummaries: false, ct);
        return messages.Select(m => new TransferMessage(folder, m)).ToList();
    }

    public Stream OpenBody(TransferMessage message) => store.OpenBody(message.Stored);

    public async Task<string?> EnsureFolderAsync(long mailboxId, string folder, string? specialUse, CancellationToken ct = default)
    {
        var folders = await store.ListFoldersAsync(mailboxId, ct);
        if (specialUse is not null && folders.FirstOrDefault(f => string.Equals(f.SpecialUse, specialUse, StringComparison.OrdinalIgnoreCase)) is { } same)
            return Unicode(same.Name);
        var wire = Wire(folder);
        if (string.Equals(wire, MailStore.Inbox, StringComparison.OrdinalIgnoreCase)) return MailStore.Inbox;
        if (folders.Any(f => f.Name == wire)) return folder;
        var status = await store.CreateFolderAsync(mailboxId, wire, specialUse, ct);
        return status is StoreStatus.Ok or StoreStatus.AlreadyExists ? folder : null;
    }

    public async Task<HashSet<string>> ExistingKeysAsync(long mailboxId, string folder, CancellationToken ct = default)
    {
        var keys = new HashSet<string>(StringComparer.Ordinal);
        foreach (var m in await ListMessagesAsync(mailboxId, folder, ct))
        {
            var length = (int)Math.Min(m.Size, m.Stored.HeaderSize > 0 ? m.Stored.HeaderSize : HeadProbe);
            byte[] head;
            try
            {
                head = store.Bodies.ReadHead(m.Stored.BodyPath, length);
            }
            catch (FileNotFoundException)
            {
                continue; // expunged meanwhile
            }
            keys.Add(MessageKey.Of(MessageKey.MessageIdIn(head), m.InternalDate, m.Size));
        }
        return keys;
    }

    public async Task<AppendResult> AppendAsync(long mailboxId, string folder, Stream message, MessageFlags flags, IReadOnlyCollection<string> keywords,
        DateTimeOffset internalDate, CancellationToken ct = default)
    {
        var f = await store.GetFolderAsync(mailboxId, Wire(folder), ct);
        if (f is null) return new AppendResult(StoreStatus.NotFound);
        return await store.AppendAsync(mailboxId, f.Id, message, flags, keywords, internalDate, ct: ct);
    }

    private static string Wire(string unicode) => string.Equals(unicode, MailStore.Inbox, StringComparison.OrdinalIgnoreCase) ? MailStore.Inbox : ImapModifiedUtf7.Encode(unicode);

    private static string Unicode(string wire) => ImapModifiedUtf7.TryDecode(wire, out var decoded, out _) ? decoded : wire;
}
