using HostingPanel.MailEngine.Protocol.Imap;
using HostingPanel.MailEngine.Protocol.Imap.Commands;

namespace HostingPanel.MailEngine.Sessions.Imap;

/// <summary>One SEARCH ... RETURN (UPDATE): its key and the UIDs the client was last told match.</summary>
internal sealed class ImapSearchUpdate(string tag, bool uid, ImapSearchKey key, HashSet<uint> matched, long version)
{
    public string Tag => tag;

    /// <summary>UID SEARCH: updates name UIDs, else sequence numbers.</summary>
    public bool Uid => uid;

    /// <summary>The key with sequence numbers and "$" turned into the UIDs they named when the search ran.</summary>
    public ImapSearchKey Key => key;

    public HashSet<uint> Matched => matched;

    /// <summary>The view's <see cref="ImapSelectedMailbox.Version"/> the result was last compared at.</summary>
    public long Version { get; set; } = version;
}

/// <summary>
/// The live searches of the selected mailbox (RFC 5267 section 4.3, CONTEXT=SEARCH). They end with the
/// selection (the mailbox view owns them) or with CANCELUPDATE.
/// </summary>
/// <remarks>
/// Every change to the view re-runs each live search, so a client could make every flag change cost
/// many searches: at most <see cref="MaxLive"/> live at once; one more gets <c>NO [NOUPDATE "tag"]</c>
/// and its result once (RFC 5267 section 4.3 lets the server refuse an update this way).
/// </remarks>
internal sealed class ImapSearchUpdates
{
    public const int MaxLive = 16;

    private readonly List<ImapSearchUpdate> _live = [];

    public bool IsEmpty => _live.Count == 0;

    public bool IsFull => _live.Count >= MaxLive;

    public IReadOnlyList<ImapSearchUpdate> Live => _live;

    public bool Contains(string tag) => _live.Exists(u => u.Tag == tag);

    public void Add(ImapSearchUpdate update) => _live.Add(update);

    public bool Remove(string tag) => _live.RemoveAll(u => u.Tag == tag) > 0;

    /// <summary>
    /// Before the EXPUNGEs of <paramref name="expunged"/> are written: REMOVEFROM for the live results
    /// that held them, in sequence numbers that are still valid.
    /// </summary>
    public void WriteExpunged(ImapResponseWriter w, ImapSelectedMailbox view, IReadOnlyCollection<uint> expunged)
    {
        foreach (var update in _live)
        {
            var gone = expunged.Where(update.Matched.Remove).ToList();
            if (gone.Count > 0)
            {
                Write(w, update, "REMOVEFROM", update.Uid ? gone : gone.Select(view.SequenceOf).Where(s => s != 0).ToList());
            }
        }
    }

    /// <summary>
    /// After the view caught up with the folder: re-runs each live search the change may touch and tells
    /// what entered the result (ADDTO) and what left it (REMOVEFROM).
    /// </summary>
    public async ValueTask RefreshAsync(ImapSession session, ImapSelectedMailbox view, CancellationToken cancellationToken)
    {
        foreach (var update in _live)
        {
            if (update.Version == view.Version)
            {
                continue;
            }

            update.Version = view.Version;
            var matches = await ImapSearchMessage.FilterAsync(view, update.Key, ImapSearchMessage.Context(view, session),
                ImapSearchMessage.Need(update.Key), keepHeaders: false, cancellationToken);
            var now = matches.Select(m => m.Uid).ToHashSet();
            var removed = update.Matched.Where(uid => !now.Contains(uid)).Order().ToList();
            var added = matches.Where(m => !update.Matched.Contains(m.Uid)).Select(m => update.Uid ? m.Uid : m.SequenceNumber).ToList();
            update.Matched.ExceptWith(removed);
            update.Matched.UnionWith(now);
            Write(session.Writer, update, "REMOVEFROM", update.Uid ? removed : removed.Select(view.SequenceOf).Where(s => s != 0).ToList());
            Write(session.Writer, update, "ADDTO", added);
        }
    }

    /// <summary>
    /// Turns what a key names by position (sequence numbers, "$") into the UIDs it names now: a live
    /// result follows messages, and sequence numbers move under it with every expunge.
    /// </summary>
    public static ImapSearchKey Freeze(ImapSearchKey key, ImapSelectedMailbox view) => key switch
    {
        ImapSearchSequence { IsUid: false } or ImapSearchSequence { Set.IsSavedResult: true } => ToUids((ImapSearchSequence)key, view),
        ImapSearchAnd and => new ImapSearchAnd(and.Keys.Select(k => Freeze(k, view)).ToList()),
        ImapSearchOr or => new ImapSearchOr(Freeze(or.Left, view), Freeze(or.Right, view)),
        ImapSearchNot not => new ImapSearchNot(Freeze(not.Key, view)),
        _ => key,
    };

    private static ImapSearchKey ToUids(ImapSearchSequence sequence, ImapSelectedMailbox view)
    {
        var uids = view.Resolve(sequence.Set, sequence.IsUid).Select(s => view.BySequence(s).Uid).ToList();
        if (uids.Count == 0)
        {
            return new ImapSearchNot(ImapSearchAll.Instance);
        }

        var ranges = new List<ImapSequenceRange>();
        foreach (var uid in uids)
        {
            if (ranges.Count > 0 && ranges[^1].End + 1 == uid)
            {
                ranges[^1] = ranges[^1] with { End = uid };
            }
            else
            {
                ranges.Add(new ImapSequenceRange(uid, uid));
            }
        }

        return new ImapSearchSequence(new ImapSequenceSet(ranges), IsUid: true);
    }

    /// <summary>
    /// <c>* ESEARCH (TAG "t") [UID] ADDTO (0 set)</c> or REMOVEFROM. RFC 5267 section 4.3: the position is
    /// the place in the result list, which an unsorted SEARCH may give as 0.
    /// </summary>
    public static void Write(ImapResponseWriter w, ImapSearchUpdate update, string what, IReadOnlyList<uint> numbers)
    {
        if (numbers.Count == 0)
        {
            return;
        }

        w.Untagged().Raw("ESEARCH (TAG "u8).String(update.Tag).CloseList();
        if (update.Uid)
        {
            w.Raw(" UID"u8);
        }

        w.Space().Atom(what).Raw(" (0 "u8).Atom(ImapSequenceSetFormatter.Format(numbers)).CloseList().EndLine();
    }
}
