using HostingPanel.MailEngine.Protocol.Imap;
using HostingPanel.MailEngine.Protocol.Imap.Commands;
using HostingPanel.MailEngine.Protocol.Imap.Search;
using MimeKit;

namespace HostingPanel.MailEngine.Sessions.Imap;

/// <summary>How much of each message a search key (or SORT/THREAD) has to read.</summary>
internal enum ImapSearchNeed
{
    /// <summary>Flags, UID, size, internal date, MODSEQ: the session's metadata only.</summary>
    Metadata,

    /// <summary>
    /// The common header fields (FROM, TO, CC, BCC, SUBJECT, Message-ID, SENT*), sort and thread keys:
    /// the header summaries, which the store usually holds in memory.
    /// </summary>
    Summary,

    /// <summary>Other header fields (HEADER X-Whatever): the header block.</summary>
    Headers,

    /// <summary>BODY and TEXT: the whole message, parsed, with its text parts decoded.</summary>
    Text,
}

/// <summary>Adapts the session's message metadata (and, when needed, loaded content) to <see cref="IImapSearchMessage"/>.</summary>
internal sealed class ImapSearchMessage(uint sequence, ImapMessageMeta meta, IImapMessageContent? content, bool recent) : IImapSearchMessage
{
    // A batch is at most this many messages, and (when whole bodies are read) at most this many bytes,
    // so a TEXT search over a large mailbox holds a few MiB at a time, not the mailbox.
    private const int BatchMessages = 128;
    private const int HeaderBatchMessages = 500; // header blocks are small: whole-folder batches, one query each
    private const long BatchBytes = 8 * 1024 * 1024;

    public uint SequenceNumber => sequence;

    public uint Uid => meta.Uid;

    public DateTimeOffset InternalDate => meta.InternalDate;

    public long Size => meta.Size;

    public ulong ModSeq => meta.ModSeq;

    // \Recent is the session's, not the message's (RECENT, NEW, OLD).
    public bool HasFlag(string flag) =>
        flag.Equals(ImapFlags.Recent, StringComparison.OrdinalIgnoreCase) ? recent : meta.Flags.Contains(flag, StringComparer.OrdinalIgnoreCase);

    public IImapMessageContent GetContent() => content ?? EmptyContent.Instance;

    /// <summary>Only the header summary: what keys of <see cref="ImapSearchNeed.Summary"/> read.</summary>
    private sealed class SummaryContent(ImapHeaderSummary summary) : IImapMessageContent
    {
        public ImapHeaderSummary Summary => summary;

        // Never asked: a key on another field makes the search load header blocks (ImapSearchNeed.Headers).
        public HeaderList Headers => throw new InvalidOperationException("Only the header summary was loaded.");

        public string GetBodyText() => throw new InvalidOperationException("The message text was not loaded.");
    }

    private sealed class EmptyContent : IImapMessageContent
    {
        public static EmptyContent Instance { get; } = new();

        public HeaderList Headers { get; } = [];

        public string GetBodyText() => string.Empty;
    }

    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<byte[], HeaderList> ParsedBlocks = new();

    /// <summary>The header fields only: what header keys, SORT and THREAD look at; parsed on first use.</summary>
    private sealed class HeaderContent : IImapMessageContent
    {
        private readonly ReadOnlyMemory<byte> _raw;
        private HeaderList? _headers;

        public HeaderContent(ReadOnlyMemory<byte> raw) => _raw = raw;

        public HeaderContent(HeaderList headers) => _headers = headers;

        public HeaderList Headers => _headers ??= Parse(_raw);

        // Never asked: a key that needs the text makes the search load whole messages (ImapSearchNeed.Text).
        public string GetBodyText() => throw new InvalidOperationException("The message text was not loaded.");

        public bool HeadersMayContain(string value) => _headers is not null || ImapRawHeaderFilter.MayContain(_raw.Span, value);

        private static HeaderList Parse(ReadOnlyMemory<byte> raw)
        {
            if (System.Runtime.InteropServices.MemoryMarshal.TryGetArray(raw, out var segment) && segment.Offset == 0 && segment.Count == segment.Array!.Length)
            {
                // A whole array is a header block the store may hand out again (its header cache): the parse
                // lives as long as that array, so the next search of the folder parses nothing. Read-only use.
                return ParsedBlocks.GetValue(segment.Array, static block => ImapHeaderBlock.Headers(block));
            }

            return ImapHeaderBlock.Headers(raw);
        }

    }

    /// <summary>
    /// The messages of the selected mailbox that match <paramref name="key"/>, in sequence order. Reads
    /// of each message only what <paramref name="need"/> says, in batches (one store query each); the
    /// matches keep their header fields when <paramref name="keepHeaders"/> (SORT and THREAD use them).
    /// </summary>
    public static async ValueTask<List<IImapSearchMessage>> FilterAsync(ImapSelectedMailbox mailbox, ImapSearchKey key, ImapSearchContext context,
        ImapSearchNeed need, bool keepHeaders, CancellationToken cancellationToken)
    {
        var all = mailbox.Messages;
        var matches = new List<IImapSearchMessage>();
        if (need == ImapSearchNeed.Metadata)
        {
            for (var i = 0; i < all.Count; i++)
            {
                var message = new ImapSearchMessage((uint)i + 1, all[i], null, mailbox.IsRecent(all[i].Uid));
                if (ImapSearchEvaluator.Matches(key, message, context))
                {
                    matches.Add(message);
                }
            }

            return matches;
        }

        if (need == ImapSearchNeed.Summary)
        {
            var uids = new uint[all.Count];
            for (var i = 0; i < all.Count; i++)
            {
                uids[i] = all[i].Uid;
            }

            var summaries = await mailbox.Folder.LoadHeaderSummariesAsync(uids, cancellationToken);
            for (var i = 0; i < all.Count; i++)
            {
                // A message expunged meanwhile is searched with no content, as in the other paths.
                var content = summaries[i] is { } summary ? new SummaryContent(summary) : null;
                var message = new ImapSearchMessage((uint)i + 1, all[i], content, mailbox.IsRecent(all[i].Uid));
                if (ImapSearchEvaluator.Matches(key, message, context))
                {
                    matches.Add(message);
                }
            }

            return matches;
        }

        var load = need == ImapSearchNeed.Text ? ImapLoad.Full : ImapLoad.Header;
        var start = 0;
        while (start < all.Count)
        {
            var end = start;
            long bytes = 0;
            var limit = load == ImapLoad.Full ? BatchMessages : HeaderBatchMessages;
            while (end < all.Count && end - start < limit && (end == start || load != ImapLoad.Full || bytes + all[end].Size <= BatchBytes))
            {
                bytes += all[end].Size;
                end++;
            }

            var uids = new List<uint>(end - start);
            for (var i = start; i < end; i++)
            {
                uids.Add(all[i].Uid);
            }

            var loaded = await mailbox.Folder.LoadMessagesAsync(uids, load, cancellationToken);
            var byUid = new Dictionary<uint, ImapMessageData>(loaded.Count);
            foreach (var data in loaded)
            {
                byUid[data.Uid] = data;
            }

            for (var i = start; i < end; i++)
            {
                // A message expunged meanwhile is searched with no content, as before it was loaded.
                var content = byUid.TryGetValue(all[i].Uid, out var data) ? Parse(data) : null;
                var message = new ImapSearchMessage((uint)i + 1, all[i], content, mailbox.IsRecent(all[i].Uid));
                if (ImapSearchEvaluator.Matches(key, message, context))
                {
                    // Only the header fields outlive the batch: a parsed body is dropped here.
                    var kept = keepHeaders && content is not null ? content as HeaderContent ?? new HeaderContent(content.Headers) : null;
                    matches.Add(new ImapSearchMessage((uint)i + 1, all[i], kept, mailbox.IsRecent(all[i].Uid)));
                }
            }

            start = end;
        }

        return matches;
    }

    private static IImapMessageContent Parse(ImapMessageData data)
    {
        if (data.HeaderOnly)
        {
            return new HeaderContent(data.Raw);
        }

        using var stream = ImapHeaderBlock.OpenRead(data.Raw);
        return new ImapMimeMessageContent(MimeMessage.Load(Protocol.Imap.Mime.ImapMessageStructure.ParserOptions, stream));
    }

    /// <summary>What evaluating <paramref name="key"/> reads of a message.</summary>
    public static ImapSearchNeed Need(ImapSearchKey key) => key switch
    {
        ImapSearchText => ImapSearchNeed.Text,
        ImapSearchHeader header => ImapHeaderSummary.Covers(header.Field) ? ImapSearchNeed.Summary : ImapSearchNeed.Headers,
        ImapSearchDate date => date.Field == ImapSearchDateField.Sent ? ImapSearchNeed.Summary : ImapSearchNeed.Metadata,
        ImapSearchAnd and => and.Keys.Select(Need).DefaultIfEmpty(ImapSearchNeed.Metadata).Max(),
        ImapSearchOr or => (ImapSearchNeed)Math.Max((int)Need(or.Left), (int)Need(or.Right)),
        ImapSearchNot not => Need(not.Key),
        _ => ImapSearchNeed.Metadata,
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
