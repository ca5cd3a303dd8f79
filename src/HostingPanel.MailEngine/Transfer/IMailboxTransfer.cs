using HostingPanel.MailEngine.Storage;

namespace HostingPanel.MailEngine.Transfer;

/// <summary>
/// The engine's door for moving whole mailboxes in and out (export, import, IMAP migration): folders with their
/// special use, messages with flags, keywords and internal dates, and appends that keep all three. Appends go
/// through the store's one quota reservation, so an import can never pass the quota; duplicates are recognised by
/// <see cref="MessageKey"/>.
/// </summary>
public interface IMailboxTransfer
{
    /// <summary>The mailbox (removed ones too: staff export a mailbox in its grace period), or null.</summary>
    Task<MailboxAccount?> FindAsync(string address, CancellationToken ct = default);

    Task<IReadOnlyList<TransferFolder>> ListFoldersAsync(long mailboxId, CancellationToken ct = default);

    /// <summary>The messages of a folder (by its Unicode name) in UID order; empty when there is no such folder.</summary>
    Task<IReadOnlyList<TransferMessage>> ListMessagesAsync(long mailboxId, string folder, CancellationToken ct = default);

    Stream OpenBody(TransferMessage message);

    /// <summary>
    /// The folder to put messages of <paramref name="folder"/> into, created when missing. A folder with a special use
    /// (RFC 6154, e.g. <c>\Sent</c>) goes into our folder with that use, whatever its name there ("Sent Items" into "Sent").
    /// Returns null when the name cannot be a folder here.
    /// </summary>
    Task<string?> EnsureFolderAsync(long mailboxId, string folder, string? specialUse, CancellationToken ct = default);

    /// <summary>The <see cref="MessageKey"/>s of the messages already in a folder, to skip duplicates.</summary>
    Task<HashSet<string>> ExistingKeysAsync(long mailboxId, string folder, CancellationToken ct = default);

    /// <summary>Stores one message with its flags and internal date; OverQuota when it does not fit.</summary>
    Task<AppendResult> AppendAsync(long mailboxId, string folder, Stream message, MessageFlags flags, IReadOnlyCollection<string> keywords,
        DateTimeOffset internalDate, CancellationToken ct = default);
}

/// <param name="Name">Unicode, with '/' between levels ("INBOX", "Projects/2024").</param>
public sealed record TransferFolder(string Name, string? SpecialUse, long Messages, long Bytes);

public sealed record TransferMessage(string Folder, StoredMessage Stored)
{
    public long Uid => Stored.Uid;
    public long Size => Stored.Size;
    public MessageFlags Flags => Stored.Flags;
    public IReadOnlyList<string> Keywords => Stored.Keywords;
    public DateTimeOffset InternalDate => Stored.InternalDate;
}

/// <summary>
/// How two copies of a message are recognised (imports, migration reruns): the Message-ID (without angle brackets), or,
/// for a message without one, its internal date to the second and its size, which a copy keeps.
/// </summary>
public static class MessageKey
{
    public static string Of(string? messageId, DateTimeOffset internalDate, long size) =>
        string.IsNullOrWhiteSpace(messageId)
            ? $"date:{internalDate.ToUnixTimeSeconds()}:{size}"
            : "id:" + messageId.Trim().TrimStart('<').TrimEnd('>');

    /// <summary>The Message-ID in a header block (the start of a message), or null.</summary>
    public static string? MessageIdIn(ReadOnlySpan<byte> head)
    {
        using var stream = new MemoryStream(head.ToArray());
        try
        {
            var headers = MimeKit.HeaderList.Load(stream);
            var raw = headers[MimeKit.HeaderId.MessageId];
            if (string.IsNullOrWhiteSpace(raw)) return null;
            return MimeKit.Utils.MimeUtils.EnumerateReferences(raw).FirstOrDefault() ?? raw.Trim();
        }
        catch (MimeKit.ParseException)
        {
            return null;
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
