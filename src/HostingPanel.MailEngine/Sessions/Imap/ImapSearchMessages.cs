using HostingPanel.MailEngine.Protocol.Imap;
using HostingPanel.MailEngine.Protocol.Imap.Commands;
using HostingPanel.MailEngine.Protocol.Imap.Search;
using MimeKit;

namespace HostingPanel.MailEngine.Sessions.Imap;

/// <summary>Adapts the session's message metadata (and, when needed, loaded content) to <see cref="IImapSearchMessage"/>.</summary>
internal sealed class ImapSearchMessage(uint sequence, ImapMessageMeta meta, IImapMessageContent? content) : IImapSearchMessage
{
    public uint SequenceNumber => sequence;

    public uint Uid => meta.Uid;

    public DateTimeOffset InternalDate => meta.InternalDate;

    public long Size => meta.Size;

    public ulong ModSeq => meta.ModSeq;

    public bool HasFlag(string flag) => meta.Flags.Contains(flag, StringComparer.OrdinalIgnoreCase);

    public IImapMessageContent GetContent() => content ?? EmptyContent.Instance;

    private sealed class EmptyContent : IImapMessageContent
    {
        public static EmptyContent Instance { get; } = new();

        public HeaderList Headers { get; } = [];

        public string GetBodyText() => string.Empty;
    }

    /// <summary>
    /// Builds the messages for a search; loads and parses content only when a key needs it, since
    /// <see cref="IImapSearchMessage.GetContent"/> is synchronous and the store is not.
    /// </summary>
    public static async ValueTask<List<IImapSearchMessage>> LoadAsync(ImapSelectedMailbox mailbox, bool needsContent, CancellationToken cancellationToken)
    {
        var result = new List<IImapSearchMessage>(mailbox.Messages.Count);
        for (var i = 0; i < mailbox.Messages.Count; i++)
        {
            var meta = mailbox.Messages[i];
            IImapMessageContent? content = null;
            if (needsContent && await mailbox.Folder.LoadMessageAsync(meta.Uid, includeRaw: true, cancellationToken) is { } data)
            {
                using var stream = new MemoryStream(data.Raw.ToArray(), writable: false);
                var message = await MimeMessage.LoadAsync(Protocol.Imap.Mime.ImapMessageStructure.ParserOptions, stream, cancellationToken);
                content = new ImapMimeMessageContent(message);
            }

            result.Add(new ImapSearchMessage((uint)i + 1, meta, content));
        }

        return result;
    }

    public static bool NeedsContent(ImapSearchKey key) => key switch
    {
        ImapSearchHeader or ImapSearchText => true,
        ImapSearchDate date => date.Field == ImapSearchDateField.Sent,
        ImapSearchAnd and => and.Keys.Any(NeedsContent),
        ImapSearchOr or => NeedsContent(or.Left) || NeedsContent(or.Right),
        ImapSearchNot not => NeedsContent(not.Key),
        _ => false,
    };

    public static bool UsesModSeq(ImapSearchKey key) => key switch
    {
        ImapSearchModSeq => true,
        ImapSearchAnd and => and.Keys.Any(UsesModSeq),
        ImapSearchOr or => UsesModSeq(or.Left) || UsesModSeq(or.Right),
        ImapSearchNot not => UsesModSeq(not.Key),
        _ => false,
    };

    public static ImapSearchContext Context(ImapSelectedMailbox mailbox, ImapSession session) =>
        new(mailbox.Count, mailbox.LargestUid, mailbox.SavedSearch, session.Options.Time.GetUtcNow());
}
