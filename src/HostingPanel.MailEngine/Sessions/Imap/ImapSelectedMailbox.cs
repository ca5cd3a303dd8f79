using HostingPanel.MailEngine.Protocol.Imap;

namespace HostingPanel.MailEngine.Sessions.Imap;

/// <summary>
/// The session's view of its selected folder: which message has which sequence number, and the
/// flags the client was last told. It changes only when the session tells the client (EXISTS,
/// EXPUNGE, FETCH FLAGS), as RFC 9051 section 7.5 requires sequence numbers to.
/// </summary>
public sealed class ImapSelectedMailbox
{
    // Copy-on-write: while the view equals the folder's snapshot it is that (shared, immutable) list, so
    // many sessions on one folder hold one copy of its metadata; a change the client has not been told
    // yet makes the view this session's own list until the next full sync.
    private IReadOnlyList<ImapMessageMeta> _messages;
    private bool _owned;

    private ImapSelectedMailbox(IImapFolder folder, bool readOnly, ImapFolderSnapshot snapshot)
    {
        Folder = folder;
        ReadOnly = readOnly;
        _messages = snapshot.Messages;
        UidValidity = snapshot.UidValidity;
        UidNext = snapshot.UidNext;
        HighestModSeq = snapshot.HighestModSeq;
    }

    public IImapFolder Folder { get; }

    public string Name => Folder.Name;

    public bool ReadOnly { get; }

    public uint UidValidity { get; private set; }

    public uint UidNext { get; private set; }

    public ulong HighestModSeq { get; private set; }

    /// <summary>SEARCHRES "$" (RFC 5182): UIDs of the last SEARCH ... SAVE.</summary>
    public IReadOnlySet<uint>? SavedSearch { get; set; }

    /// <summary>Searches with RETURN (UPDATE) on this selection (RFC 5267 section 4.3).</summary>
    internal ImapSearchUpdates SearchUpdates { get; } = new();

    /// <summary>Grows whenever the view changes (flags, new or expunged messages, \Recent), so live searches re-run only then.</summary>
    public long Version { get; private set; }

    public uint Count => (uint)_messages.Count;

    public uint LargestUid => _messages.Count == 0 ? 0 : _messages[^1].Uid;

    public IReadOnlyList<ImapMessageMeta> Messages => _messages;

    public static async ValueTask<ImapSelectedMailbox> OpenAsync(IImapFolder folder, bool readOnly, CancellationToken cancellationToken,
        bool showRecent = false)
    {
        var snapshot = await folder.GetSnapshotAsync(cancellationToken);
        var mailbox = new ImapSelectedMailbox(folder, readOnly, snapshot) { ShowRecent = showRecent };
        if (readOnly)
        {
            // EXAMINE shows what is recent without taking it from the next SELECT (RFC 3501 6.3.2).
            if (snapshot.UnclaimedRecentFrom != 0 && snapshot.UnclaimedRecentFrom < snapshot.UidNext)
            {
                mailbox._recent.Add((snapshot.UnclaimedRecentFrom, snapshot.UidNext));
            }
        }
        else
        {
            await mailbox.ClaimRecentAsync(snapshot, cancellationToken);
        }

        // The folder's list (every keyword it has had, as every session announces it) and, for folders from
        // before the list was kept, what the messages carry.
        mailbox._keywords.UnionWith(snapshot.Keywords.Concat(mailbox._messages.SelectMany(m => m.Flags)).Where(f => !ImapFlags.IsSystemFlag(f)));
        return mailbox;
    }

    // \Recent (RFC 3501 2.3.2): the UID ranges [Low, High) this session claimed (or, read-only, saw unclaimed).
    private readonly List<(uint Low, uint High)> _recent = [];

    /// <summary>\Recent is shown (IMAP4rev1); IMAP4rev2 has none (RFC 9051 appendix E).</summary>
    public bool ShowRecent { get; private init; }

    public bool IsRecent(uint uid)
    {
        foreach (var (low, high) in _recent)
        {
            if (uid >= low && uid < high)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>How many messages of the view are \Recent in this session.</summary>
    public int RecentCount => _recent.Count == 0 ? 0 : _messages.Count(m => IsRecent(m.Uid));

    /// <summary>A message's flags as this session shows them: \Recent added when it is recent here.</summary>
    public IReadOnlyList<string> FlagsOf(ImapMessageMeta meta) =>
        ShowRecent && _recent.Count > 0 && IsRecent(meta.Uid) ? [.. meta.Flags, ImapFlags.Recent] : meta.Flags;

    private async ValueTask ClaimRecentAsync(ImapFolderSnapshot snapshot, CancellationToken cancellationToken)
    {
        if (snapshot.UnclaimedRecentFrom == 0 || snapshot.UnclaimedRecentFrom >= snapshot.UidNext)
        {
            return;
        }

        var from = await Folder.ClaimRecentAsync(snapshot.UidNext, cancellationToken);
        if (from < snapshot.UidNext)
        {
            _recent.Add((from, snapshot.UidNext));
        }
    }

    // Keywords the client was told of in FLAGS: a FETCH may show no other (RFC 9051 7.3.5; imaptest checks).
    private readonly HashSet<string> _keywords = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The FLAGS list: system flags, then every keyword announced so far.</summary>
    public IReadOnlyList<string> FlagList => [.. SystemFlags, .. _keywords.Order(StringComparer.Ordinal)];

    private static readonly string[] SystemFlags = [ImapFlags.Answered, ImapFlags.Flagged, ImapFlags.Deleted, ImapFlags.Seen, ImapFlags.Draft];

    /// <summary>
    /// Writes FLAGS and PERMANENTFLAGS again when <paramref name="flags"/> hold a keyword the client has
    /// not been told of (a keyword another session or this STORE just made), before the FETCH that shows it.
    /// </summary>
    public void AnnounceKeywords(ImapResponseWriter w, IEnumerable<string> flags)
    {
        var added = false;
        foreach (var flag in flags)
        {
            if (!ImapFlags.IsSystemFlag(flag) && _keywords.Add(flag))
            {
                added = true;
            }
        }

        if (!added)
        {
            return;
        }

        var list = FlagList;
        w.Untagged().Atom("FLAGS").Space().AtomList(list).EndLine();
        w.UntaggedStatus(ImapStatus.Ok, ReadOnly ? "No permanent flags." : "Flags permitted.", ImapResponseCode.PermanentFlags(ReadOnly ? [] : list, !ReadOnly));
    }

    private List<ImapMessageMeta> Owned()
    {
        if (!_owned)
        {
            _messages = new List<ImapMessageMeta>(_messages);
            _owned = true;
        }

        return (List<ImapMessageMeta>)_messages;
    }

    public ImapMessageMeta BySequence(uint sequence) => _messages[(int)sequence - 1];

    /// <summary>The sequence number of a UID, or 0 when the view does not hold it.</summary>
    public uint SequenceOf(uint uid)
    {
        int low = 0, high = _messages.Count - 1;
        while (low <= high)
        {
            var mid = (low + high) / 2;
            var value = _messages[mid].Uid;
            if (value == uid)
            {
                return (uint)mid + 1;
            }

            if (value < uid)
            {
                low = mid + 1;
            }
            else
            {
                high = mid - 1;
            }
        }

        return 0;
    }

    /// <summary>The sequence numbers a set names, ascending; UIDs not in the view are skipped (RFC 9051 6.4.9).</summary>
    public IReadOnlyList<uint> Resolve(ImapSequenceSet set, bool uid)
    {
        var result = new List<uint>();
        if (set.IsSavedResult)
        {
            if (SavedSearch is null)
            {
                return result;
            }

            for (var i = 0; i < _messages.Count; i++)
            {
                if (SavedSearch.Contains(_messages[i].Uid))
                {
                    result.Add((uint)i + 1);
                }
            }

            return result;
        }

        if (uid)
        {
            var matcher = set.CreateMatcher(LargestUid);
            for (var i = 0; i < _messages.Count; i++)
            {
                if (matcher.Contains(_messages[i].Uid))
                {
                    result.Add((uint)i + 1);
                }
            }

            return result;
        }

        return set.Expand(Count).ToList();
    }

    /// <summary>True when a sequence set names numbers beyond the mailbox (a BAD for non-UID commands).</summary>
    public bool IsOutOfRange(ImapSequenceSet set) =>
        !set.IsSavedResult && set.Ranges.Any(r => (r.Start != ImapSequenceRange.Star && r.Start > Count) || (r.End != ImapSequenceRange.Star && r.End > Count));

    /// <summary>Records flags the session itself changed (already told to the client by STORE).</summary>
    /// <remarks>
    /// <see cref="HighestModSeq"/> stays at the last synchronised value: another session's change with a
    /// lower mod-sequence than ours must still be picked up by the next <see cref="SyncAsync"/>.
    /// </remarks>
    public void Update(ImapMessageMeta meta)
    {
        var sequence = SequenceOf(meta.Uid);
        if (sequence != 0 && !ReferenceEquals(_messages[(int)sequence - 1], meta))
        {
            Owned()[(int)sequence - 1] = meta;
            Version++;
        }
    }

    // An expunge seen but not yet told (held back during FETCH/STORE/SEARCH): the next sync must not skip.
    private bool _expungePending;

    /// <summary>
    /// Catches up with the folder and tells the client: EXPUNGE (or VANISHED with QRESYNC) for removed
    /// messages when <paramref name="allowExpunge"/>, EXISTS for new ones, FETCH FLAGS for flag changes.
    /// </summary>
    /// <remarks>
    /// EXPUNGE is held back during FETCH, STORE and SEARCH (RFC 9051 section 7.5.1), so the client's
    /// sequence numbers stay valid while it pipelines them.
    /// </remarks>
    public async ValueTask SyncAsync(ImapResponseWriter w, bool allowExpunge, bool condStore, bool qresync, CancellationToken cancellationToken)
    {
        if (!(allowExpunge && _expungePending) && await Folder.GetHighestModSeqAsync(cancellationToken) == HighestModSeq)
        {
            return;
        }

        var snapshot = await Folder.GetSnapshotAsync(cancellationToken);
        Version++;
        // A keyword another session brought into the folder is announced even when no message carries it
        // any more: every session's FLAGS list stays the folder's (imaptest's checkpoints compare them).
        AnnounceKeywords(w, snapshot.Keywords);
        if (!_expungePending && OnlyAppended(_messages, snapshot.Messages))
        {
            // The common case (new mail, IDLE): the folder patched our list by appending, so the view
            // becomes the new shared list with one EXISTS; no per-message comparison.
            var grew = snapshot.Messages.Count > _messages.Count;
            var before = _messages.Count;
            _messages = snapshot.Messages;
            _owned = false;
            if (grew)
            {
                for (var i = before; i < _messages.Count; i++)
                {
                    AnnounceKeywords(w, _messages[i].Flags);
                }

                w.Untagged().Number((ulong)_messages.Count).Raw(" EXISTS"u8).EndLine();
                await ClaimAndTellRecentAsync(w, snapshot, cancellationToken);
            }

            UidNext = snapshot.UidNext;
            UidValidity = snapshot.UidValidity;
            HighestModSeq = snapshot.HighestModSeq;
            return;
        }

        var current = new Dictionary<uint, ImapMessageMeta>(snapshot.Messages.Count);
        foreach (var meta in snapshot.Messages)
        {
            current[meta.Uid] = meta;
        }

        _expungePending = !allowExpunge && _messages.Any(m => !current.ContainsKey(m.Uid));
        var messages = Owned();
        if (allowExpunge)
        {
            if (!SearchUpdates.IsEmpty)
            {
                // RFC 5267 section 4.3: REMOVEFROM names the messages by the numbers the EXPUNGEs below retire.
                SearchUpdates.WriteExpunged(w, this, messages.Where(m => !current.ContainsKey(m.Uid)).Select(m => m.Uid).ToList());
            }

            var vanished = new List<uint>();
            for (var i = messages.Count - 1; i >= 0; i--)
            {
                if (current.ContainsKey(messages[i].Uid))
                {
                    continue;
                }

                if (qresync)
                {
                    vanished.Add(messages[i].Uid);
                }
                else
                {
                    w.Untagged().Number((ulong)(i + 1)).Raw(" EXPUNGE"u8).EndLine();
                }

                messages.RemoveAt(i);
            }

            if (vanished.Count > 0)
            {
                w.Untagged().Raw("VANISHED "u8).Atom(ImapSequenceSetFormatter.Format(vanished)).EndLine();
            }
        }

        for (var i = 0; i < messages.Count; i++)
        {
            if (!current.TryGetValue(messages[i].Uid, out var now) || now.ModSeq == messages[i].ModSeq)
            {
                continue;
            }

            if (!now.Flags.SequenceEqual(messages[i].Flags))
            {
                AnnounceKeywords(w, now.Flags);
                w.Untagged().Number((ulong)(i + 1)).Raw(" FETCH (UID "u8).Number((ulong)now.Uid).Raw(" FLAGS "u8).AtomList(FlagsOf(now));
                if (condStore)
                {
                    w.Raw(" MODSEQ ("u8).Number(now.ModSeq).CloseList();
                }

                w.CloseList().EndLine();
            }

            messages[i] = now;
        }

        var largest = LargestUid;
        var added = 0;
        foreach (var meta in snapshot.Messages)
        {
            if (meta.Uid > largest)
            {
                AnnounceKeywords(w, meta.Flags);
                messages.Add(meta);
                added++;
            }
        }

        if (added > 0)
        {
            w.Untagged().Number((ulong)messages.Count).Raw(" EXISTS"u8).EndLine();
            await ClaimAndTellRecentAsync(w, snapshot, cancellationToken);
        }

        UidNext = snapshot.UidNext;
        UidValidity = snapshot.UidValidity;
        HighestModSeq = snapshot.HighestModSeq;
        if (SameMessages(messages, snapshot.Messages))
        {
            // Everything told: the view is the snapshot again.
            _messages = snapshot.Messages;
            _owned = false;
        }
    }

    /// <summary>New messages: a read-write session claims what no other took and says RECENT (IMAP4rev1).</summary>
    private async ValueTask ClaimAndTellRecentAsync(ImapResponseWriter w, ImapFolderSnapshot snapshot, CancellationToken cancellationToken)
    {
        if (ReadOnly)
        {
            return;
        }

        await ClaimRecentAsync(snapshot, cancellationToken);
        if (ShowRecent)
        {
            w.Untagged().Number((ulong)RecentCount).Raw(" RECENT"u8).EndLine();
        }
    }

    /// <summary>The snapshot holds the view's very metadata objects, in order, and maybe more after them.</summary>
    private static bool OnlyAppended(IReadOnlyList<ImapMessageMeta> view, IReadOnlyList<ImapMessageMeta> snapshot)
    {
        if (snapshot.Count < view.Count)
        {
            return false;
        }

        for (var i = 0; i < view.Count; i++)
        {
            if (!ReferenceEquals(view[i], snapshot[i]))
            {
                return false;
            }
        }

        return true;
    }

    private static bool SameMessages(List<ImapMessageMeta> view, IReadOnlyList<ImapMessageMeta> snapshot)
    {
        if (view.Count != snapshot.Count)
        {
            return false;
        }

        for (var i = 0; i < view.Count; i++)
        {
            if (view[i].Uid != snapshot[i].Uid || view[i].ModSeq != snapshot[i].ModSeq)
            {
                return false;
            }
        }

        return true;
    }
}
