using MailKit;
using MailKit.Net.Imap;
using MailKit.Search;
using Microsoft.Extensions.Options;
using MimeKit;

namespace HostingPanel.Web.Webmail;

/// <summary>Received: arrival order (the folder's own order, no SORT needed); Date: the Date header (SORT).</summary>
public enum SortField { Received, Date, From, Subject, Size }

public enum SearchIn { All, Subject, From, Body }

public sealed record ListQuery(string Folder, int Page = 1, SortField Sort = SortField.Received, bool Descending = true, bool Threaded = false, string? Search = null, SearchIn In = SearchIn.All);

public sealed record MessageRow(uint Uid, string From, string Subject, DateTimeOffset? Date, long Size, bool Seen, bool Flagged, bool Answered, bool HasAttachments, int Depth);

/// <param name="Exists">Messages in the folder (not only those matching), for the new-mail watcher.</param>
public sealed record MessagePage(ListQuery Query, IReadOnlyList<MessageRow> Rows, int Total, int PageCount, int Exists);

/// <summary>
/// One page of a folder, ordered and searched by the server (SORT, THREAD=REFERENCES, SEARCH): only the
/// page's UIDs are fetched, so a 10,000-message folder costs one SORT and one small FETCH.
/// </summary>
public sealed class WebmailListing(ImapConnectionPool pool, IOptions<WebmailOptions> options)
{
    private const MessageSummaryItems RowItems = MessageSummaryItems.UniqueId | MessageSummaryItems.Envelope | MessageSummaryItems.Flags
        | MessageSummaryItems.Size | MessageSummaryItems.BodyStructure;

    public Task<MessagePage> PageAsync(WebmailCredentials who, ListQuery query, CancellationToken ct) =>
        pool.RunAsync(who, async (client, t) =>
        {
            var folder = await ImapFolders.OpenAsync(client, query.Folder, FolderAccess.ReadWrite, t);
            if (!query.Threaded && query.Sort == SortField.Received && string.IsNullOrWhiteSpace(query.Search))
                return await ArrivalPageAsync(folder, query, t);
            var search = SearchFor(query);
            var ordered = query.Threaded
                ? Flatten(await folder.ThreadAsync(ThreadingAlgorithm.References, search, t))
                : (await Ordered(client, folder, search, query, t)).Select(u => (u, 0)).ToList();
            var size = options.Value.PageSize;
            var pageCount = Math.Max(1, (ordered.Count + size - 1) / size);
            var page = Math.Clamp(query.Page, 1, pageCount);
            var slice = ordered.Skip((page - 1) * size).Take(size).ToList();
            var rows = slice.Count == 0 ? [] : await RowsAsync(folder, slice, t);
            return new MessagePage(query with { Page = page }, rows, ordered.Count, pageCount, folder.Count);
        }, ct);

    /// <summary>
    /// The default view, newest arrivals first: message sequence numbers are arrival order, so the page is a
    /// range of them and costs one FETCH, whatever the folder's size (SORT would order every message).
    /// </summary>
    private async Task<MessagePage> ArrivalPageAsync(IMailFolder folder, ListQuery query, CancellationToken ct)
    {
        var total = folder.Count;
        var size = options.Value.PageSize;
        var pageCount = Math.Max(1, (total + size - 1) / size);
        var page = Math.Clamp(query.Page, 1, pageCount);
        if (total == 0) return new MessagePage(query with { Page = page }, [], 0, pageCount, 0);
        var skip = (page - 1) * size;
        var (first, last) = query.Descending
            ? (Math.Max(0, total - skip - size), total - skip - 1)
            : (skip, Math.Min(total - 1, skip + size - 1));
        var summaries = await folder.FetchAsync(first, last, RowItems, ct);
        var ordered = query.Descending ? summaries.OrderByDescending(s => s.Index) : summaries.OrderBy(s => s.Index);
        var rows = ordered.Select(s => Row(s, 0)).ToList();
        return new MessagePage(query with { Page = page }, rows, total, pageCount, total);
    }

    private static async Task<IList<UniqueId>> Ordered(ImapClient client, IMailFolder folder, SearchQuery search, ListQuery query, CancellationToken ct)
    {
        if ((client.Capabilities & ImapCapabilities.Sort) == 0)
        {
            // Without SORT only arrival order is known to the client cheaply.
            var uids = await folder.SearchAsync(search, ct);
            return query.Descending ? uids.Reverse().ToList() : uids;
        }
        var type = query.Sort switch
        {
            SortField.From => OrderByType.From,
            SortField.Subject => OrderByType.Subject,
            SortField.Size => OrderByType.Size,
            _ => OrderByType.Date,
        };
        return await folder.SortAsync(search, [new OrderBy(type, query.Descending ? SortOrder.Descending : SortOrder.Ascending)], ct);
    }

    public static SearchQuery SearchFor(ListQuery query)
    {
        var text = query.Search?.Trim();
        if (string.IsNullOrEmpty(text)) return SearchQuery.All;
        return query.In switch
        {
            SearchIn.Subject => SearchQuery.SubjectContains(text),
            SearchIn.From => SearchQuery.FromContains(text),
            SearchIn.Body => SearchQuery.BodyContains(text),
            _ => SearchQuery.SubjectContains(text).Or(SearchQuery.FromContains(text)).Or(SearchQuery.BodyContains(text)),
        };
    }

    /// <summary>Threads newest first (the server orders them oldest first), each as a depth-first walk.</summary>
    private static List<(UniqueId Uid, int Depth)> Flatten(IList<MessageThread> threads)
    {
        var rows = new List<(UniqueId, int)>();
        foreach (var thread in threads.Reverse()) Walk(thread, 0, rows);
        return rows;
    }

    private static void Walk(MessageThread thread, int depth, List<(UniqueId, int)> rows)
    {
        // A thread whose root message is missing (only referenced) has a null UID: its children move up.
        var childDepth = depth;
        if (thread.UniqueId is { } uid)
        {
            rows.Add((uid, depth));
            childDepth = depth + 1;
        }
        foreach (var child in thread.Children) Walk(child, childDepth, rows);
    }

    private static async Task<IReadOnlyList<MessageRow>> RowsAsync(IMailFolder folder, List<(UniqueId Uid, int Depth)> slice, CancellationToken ct)
    {
        var summaries = await folder.FetchAsync(slice.Select(s => s.Uid).ToList(), RowItems, ct);
        var byUid = summaries.ToDictionary(s => s.UniqueId);
        var rows = new List<MessageRow>(slice.Count);
        foreach (var (uid, depth) in slice)
        {
            if (byUid.TryGetValue(uid, out var s)) rows.Add(Row(s, depth)); // absent: expunged meanwhile
        }
        return rows;
    }

    private static MessageRow Row(IMessageSummary s, int depth)
    {
        var flags = s.Flags ?? MessageFlags.None;
        return new MessageRow(s.UniqueId.Id, Sender(s.Envelope), s.Envelope?.Subject ?? "", s.Envelope?.Date, s.Size ?? 0,
            flags.HasFlag(MessageFlags.Seen), flags.HasFlag(MessageFlags.Flagged), flags.HasFlag(MessageFlags.Answered),
            s.Body is not null && s.Attachments.Any(), depth);
    }

    public static string Sender(Envelope? envelope)
    {
        var from = envelope?.From.Mailboxes.FirstOrDefault();
        if (from is null) return "";
        return string.IsNullOrWhiteSpace(from.Name) ? from.Address : from.Name;
    }

    public static string Describe(InternetAddressList list) => string.Join(", ", list.Mailboxes.Select(m => m.ToString()));
}
