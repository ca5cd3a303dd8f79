using HostingPanel.MailEngine.Protocol.Imap;
using HostingPanel.MailEngine.Protocol.Imap.Commands;
using HostingPanel.MailEngine.Sessions.Imap.Handlers;

namespace HostingPanel.MailEngine.Sessions.Imap;

/// <summary>
/// What a NOTIFY SET asked for (RFC 5465), and what the client was last told of the mailboxes it watches, so
/// that a change anywhere in the account turns into the responses the RFC names:
/// <list type="bullet">
/// <item>the selected mailbox (SELECTED, SELECTED-DELAYED): EXISTS, EXPUNGE, FETCH FLAGS as soon as they happen
/// (section 5.1; SELECTED-DELAYED holds EXPUNGE back until a command allows it);</item>
/// <item>other mailboxes with message events: STATUS with what changed (section 5.2-5.4);</item>
/// <item>MailboxName: LIST for a new name, LIST (\NonExistent) for a gone one (section 5.4);</item>
/// <item>SubscriptionChange: LIST with or without \Subscribed (section 5.5).</item>
/// </list>
/// The watch is a latch on the whole account; each time it fires the session compares with its last look.
/// </summary>
internal sealed class ImapNotifications : IDisposable
{
    private static readonly IReadOnlyList<ImapStatusItem> NewItems = [ImapStatusItem.Messages, ImapStatusItem.UidNext, ImapStatusItem.Unseen];
    private static readonly IReadOnlyList<ImapStatusItem> ValidityItems =
        [ImapStatusItem.Messages, ImapStatusItem.UidNext, ImapStatusItem.UidValidity, ImapStatusItem.Unseen];

    private readonly IImapChangeWatch _watch;
    private readonly IReadOnlyList<(ImapNotifyGroup Group, IReadOnlyList<string> Names)> _others;
    private readonly Dictionary<string, ImapFolderStatus> _statuses = new(StringComparer.Ordinal);
    private HashSet<string> _folders = new(StringComparer.Ordinal);
    private HashSet<string> _subscriptions = new(StringComparer.Ordinal);

    public ImapNotifications(IImapChangeWatch watch, ImapNotifyGroup? selected, IReadOnlyList<(ImapNotifyGroup Group, IReadOnlyList<string> Names)> others)
    {
        _watch = watch;
        SelectedEvents = selected?.Events ?? ImapNotifyEvents.None;
        SelectedExpungesAtOnce = selected?.Filter == ImapNotifyFilter.Selected;
        SelectedFetchItems = selected?.FetchItems ?? [];
        _others = others;
        WatchedEvents = others.Aggregate(ImapNotifyEvents.None, (all, o) => all | o.Group.Events);
    }

    /// <summary>Events asked for the selected mailbox; None: it is told of changes only at the end of commands, as without NOTIFY.</summary>
    public ImapNotifyEvents SelectedEvents { get; }

    /// <summary>MessageNew's fetch attributes: each new message of the selected mailbox is FETCHed so (RFC 5465 section 5.2).</summary>
    public IReadOnlyList<ImapFetchItem> SelectedFetchItems { get; }

    /// <summary>SELECTED (not SELECTED-DELAYED): EXPUNGE may be sent unasked too.</summary>
    public bool SelectedExpungesAtOnce { get; }

    private ImapNotifyEvents WatchedEvents { get; }

    /// <summary>Returns once something in the account changed since the last return.</summary>
    public Task WaitAsync(CancellationToken cancellationToken) => _watch.WaitAsync(cancellationToken);

    /// <summary>A wait finished but its news was not acted on: the next wait returns at once.</summary>
    public void Requeue() => _watch.Requeue();

    /// <summary>
    /// Takes the first look (what later changes are compared with) and, for NOTIFY SET STATUS, tells the
    /// STATUS of each watched mailbox but the selected one (RFC 5465 section 5.1): UIDVALIDITY, UIDNEXT,
    /// MESSAGES, UNSEEN, and HIGHESTMODSEQ when FlagChange is asked for, as Dovecot sends.
    /// </summary>
    public async ValueTask StartAsync(ImapSession session, bool sendStatus, CancellationToken cancellationToken)
    {
        var account = session.Account!;
        _folders = (await account.ListFoldersAsync(cancellationToken)).Select(f => f.Name).ToHashSet(StringComparer.Ordinal);
        _subscriptions = (await account.ListSubscriptionsAsync(cancellationToken)).ToHashSet(StringComparer.Ordinal);
        IReadOnlyList<ImapStatusItem> items = WatchedEvents.HasFlag(ImapNotifyEvents.FlagChange)
            ? [.. ValidityItems, ImapStatusItem.HighestModSeq]
            : ValidityItems;
        foreach (var name in _folders.Order(StringComparer.Ordinal))
        {
            if (!WatchesMessages(name) || await StatusOfAsync(session, name, cancellationToken) is not { } status)
            {
                continue;
            }

            _statuses[name] = status;
            if (sendStatus && !IsSelected(session, name))
            {
                StatusHandler.WriteStatus(session.Writer, name, status, items);
            }
        }
    }

    /// <summary>Tells the client what changed since the last look, in the forms the RFC gives each event.</summary>
    public async ValueTask ReportAsync(ImapSession session, CancellationToken cancellationToken)
    {
        if (session.Selected is not null && SelectedEvents != ImapNotifyEvents.None)
        {
            await session.SyncSelectedAsync(allowExpunge: SelectedExpungesAtOnce, cancellationToken);
        }

        if (_others.Count == 0)
        {
            return;
        }

        var account = session.Account!;
        var w = session.Writer;
        var folders = (await account.ListFoldersAsync(cancellationToken)).Select(f => f.Name).ToHashSet(StringComparer.Ordinal);
        if (WatchedEvents.HasFlag(ImapNotifyEvents.MailboxName))
        {
            foreach (var gone in _folders.Where(n => !folders.Contains(n)).Order(StringComparer.Ordinal))
            {
                if (Watches(gone, ImapNotifyEvents.MailboxName))
                {
                    WriteList(w, gone, ["\\NonExistent"]);
                }
            }

            foreach (var made in folders.Where(n => !_folders.Contains(n)).Order(StringComparer.Ordinal))
            {
                if (Watches(made, ImapNotifyEvents.MailboxName))
                {
                    WriteList(w, made, []);
                }
            }
        }

        _folders = folders;
        if (WatchedEvents.HasFlag(ImapNotifyEvents.SubscriptionChange) || _others.Any(o => o.Group.Filter == ImapNotifyFilter.Subscribed))
        {
            var subscriptions = (await account.ListSubscriptionsAsync(cancellationToken)).ToHashSet(StringComparer.Ordinal);
            if (WatchedEvents.HasFlag(ImapNotifyEvents.SubscriptionChange))
            {
                foreach (var name in subscriptions.Where(n => !_subscriptions.Contains(n)).Order(StringComparer.Ordinal))
                {
                    if (Watches(name, ImapNotifyEvents.SubscriptionChange, subscriptions))
                    {
                        WriteList(w, name, folders.Contains(name) ? ["\\Subscribed"] : ["\\Subscribed", "\\NonExistent"]);
                    }
                }

                foreach (var name in _subscriptions.Where(n => !subscriptions.Contains(n)).Order(StringComparer.Ordinal))
                {
                    if (Watches(name, ImapNotifyEvents.SubscriptionChange, _subscriptions))
                    {
                        WriteList(w, name, folders.Contains(name) ? [] : ["\\NonExistent"]);
                    }
                }
            }

            _subscriptions = subscriptions;
        }

        foreach (var name in _statuses.Keys.Where(n => !folders.Contains(n)).ToList())
        {
            _statuses.Remove(name);
        }

        foreach (var name in folders.Order(StringComparer.Ordinal))
        {
            if (!WatchesMessages(name) || await StatusOfAsync(session, name, cancellationToken) is not { } now)
            {
                continue;
            }

            var before = _statuses.GetValueOrDefault(name);
            _statuses[name] = now;
            // The selected mailbox is told through EXISTS/EXPUNGE/FETCH, never STATUS (RFC 5465 section 5.2).
            if (before is null || IsSelected(session, name))
            {
                continue;
            }

            var items = ChangedItems(session, name, before, now);
            if (items.Count > 0)
            {
                StatusHandler.WriteStatus(w, name, now, items);
            }
        }
    }

    /// <summary>The STATUS items a change calls for, given the events the mailbox is watched for.</summary>
    private List<ImapStatusItem> ChangedItems(ImapSession session, string name, ImapFolderStatus before, ImapFolderStatus now)
    {
        var events = EventsFor(name, _subscriptions);
        var items = new List<ImapStatusItem>();
        if (before.UidValidity != now.UidValidity && (events & ImapNotifyEvents.Message) != 0)
        {
            items.AddRange(ValidityItems);
        }
        else
        {
            // MESSAGES or UIDNEXT moved: a message came or went (RFC 5465 sections 5.2 and 5.3).
            var countMoved = now.Messages != before.Messages || now.UidNext != before.UidNext;
            if (countMoved && (events & (ImapNotifyEvents.MessageNew | ImapNotifyEvents.MessageExpunge)) != 0)
            {
                items.AddRange(NewItems);
            }
            else if (now.Unseen != before.Unseen && events.HasFlag(ImapNotifyEvents.FlagChange))
            {
                items.Add(ImapStatusItem.Unseen);
            }
        }

        // HIGHESTMODSEQ only to a client that uses CONDSTORE (RFC 5465 section 5.3).
        if (events.HasFlag(ImapNotifyEvents.FlagChange) && session.CondStoreEnabled && now.HighestModSeq != before.HighestModSeq)
        {
            items.Add(ImapStatusItem.HighestModSeq);
        }

        return items;
    }

    private static void WriteList(ImapResponseWriter w, string name, IReadOnlyList<string> attributes) =>
        w.Untagged().Raw("LIST "u8).AtomList(attributes).Raw(" \"/\" "u8).Mailbox(name).EndLine();

    private static bool IsSelected(ImapSession session, string name) => session.Selected is { } selected && selected.Name == name;

    private static async ValueTask<ImapFolderStatus?> StatusOfAsync(ImapSession session, string name, CancellationToken cancellationToken)
    {
        await using var folder = await session.Account!.OpenFolderAsync(name, cancellationToken);
        return folder is null ? null : await folder.GetStatusAsync(cancellationToken);
    }

    private bool WatchesMessages(string name) => (EventsFor(name, _subscriptions) & ImapNotifyEvents.Message) != 0;

    private bool Watches(string name, ImapNotifyEvents ev, IReadOnlySet<string>? subscriptions = null) =>
        (EventsFor(name, subscriptions ?? _subscriptions) & ev) != 0;

    /// <summary>Every event any group asks for <paramref name="name"/> (RFC 5465 section 6: the filters).</summary>
    private ImapNotifyEvents EventsFor(string name, IReadOnlySet<string> subscriptions)
    {
        var events = ImapNotifyEvents.None;
        foreach (var (group, names) in _others)
        {
            var matches = group.Filter switch
            {
                // One personal namespace, and every folder of it may receive mail: INBOXES is PERSONAL here.
                ImapNotifyFilter.Inboxes or ImapNotifyFilter.Personal => true,
                ImapNotifyFilter.Subscribed => subscriptions.Contains(name),
                ImapNotifyFilter.Subtree => names.Any(n => name == n || name.StartsWith(n + "/", StringComparison.Ordinal)),
                ImapNotifyFilter.Mailboxes => names.Contains(name),
                _ => false,
            };
            if (matches)
            {
                events |= group.Events;
            }
        }

        return events;
    }

    public void Dispose() => _watch.Dispose();
}
