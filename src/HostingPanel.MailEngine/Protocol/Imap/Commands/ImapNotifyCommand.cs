namespace HostingPanel.MailEngine.Protocol.Imap.Commands;

/// <summary>The events of RFC 5465 section 5; the last three need METADATA or ANNOTATE, which the server lacks.</summary>
[Flags]
public enum ImapNotifyEvents
{
    None = 0,
    MessageNew = 1,
    MessageExpunge = 2,
    FlagChange = 4,
    AnnotationChange = 8,
    MailboxName = 16,
    SubscriptionChange = 32,
    MailboxMetadataChange = 64,
    ServerMetadataChange = 128,

    /// <summary>What this server can report.</summary>
    Supported = MessageNew | MessageExpunge | FlagChange | MailboxName | SubscriptionChange,

    /// <summary>Events about messages, reported as STATUS for mailboxes other than the selected one.</summary>
    Message = MessageNew | MessageExpunge | FlagChange | AnnotationChange,
}

/// <summary>Which mailboxes an event group watches (RFC 5465 section 6).</summary>
public enum ImapNotifyFilter
{
    Selected,
    SelectedDelayed,
    Inboxes,
    Personal,
    Subscribed,
    Subtree,
    Mailboxes,
}

/// <param name="Mailboxes">SUBTREE and MAILBOXES: the names, in wire form; otherwise empty.</param>
/// <param name="FetchItems">MessageNew's fetch attributes (selected mailbox only); empty when none were given.</param>
public sealed record ImapNotifyGroup(ImapNotifyFilter Filter, IReadOnlyList<string> Mailboxes, ImapNotifyEvents Events, IReadOnlyList<ImapFetchItem> FetchItems);

/// <summary>NOTIFY (RFC 5465): which changes the server reports without being asked, and where.</summary>
/// <remarks>
/// <code>
/// notify           = "NOTIFY" SP (notify-set / notify-none)
/// notify-set       = "SET" [SP "STATUS"] SP event-groups
/// notify-none      = "NONE"
/// event-groups     = event-group *(SP event-group)
/// event-group      = "(" filter-mailboxes SP events ")"
/// filter-mailboxes = "selected" / "selected-delayed" / "inboxes" / "personal" / "subscribed"
///                  / ("subtree" / "mailboxes") SP one-or-more-mailbox
/// one-or-more-mailbox = mailbox / "(" mailbox *(SP mailbox) ")"
/// events           = "(" event *(SP event) ")" / "NONE"
/// event            = "MessageNew" [SP "(" fetch-att *(SP fetch-att) ")"] / "MessageExpunge" / "FlagChange"
///                  / "AnnotationChange" / "MailboxName" / "SubscriptionChange" / "MailboxMetadataChange"
///                  / "ServerMetadataChange"
/// </code>
/// The rules the grammar cannot say are the handler's: SELECTED at most once, MessageNew and
/// MessageExpunge together there, FlagChange only with them (section 5.1 and 5.2 of the RFC).
/// </remarks>
public sealed record ImapNotifyCommand(string Tag, bool SendStatus, IReadOnlyList<ImapNotifyGroup> Groups) : ImapCommand(Tag)
{
    public override string Name => "NOTIFY";

    /// <summary>NOTIFY NONE: no groups.</summary>
    public bool IsNone => Groups.Count == 0;

    // Enough for any real client; a line of thousands of groups or names would only cost the server.
    private const int MaxGroups = 32;
    private const int MaxMailboxes = 1000;

    internal static ImapNotifyCommand Parse(ImapTokenizer t, string tag)
    {
        t.ExpectSpace();
        var verb = t.ReadKeyword("SET or NONE");
        if (verb == "NONE")
        {
            t.ExpectEnd();
            return new ImapNotifyCommand(tag, false, []);
        }

        if (verb != "SET")
        {
            throw new ImapParseException("NOTIFY takes SET or NONE.");
        }

        t.ExpectSpace();
        var status = false;
        if (t.TryConsumeKeyword("STATUS"))
        {
            status = true;
            t.ExpectSpace();
        }

        var groups = new List<ImapNotifyGroup>();
        var names = 0;
        do
        {
            if (groups.Count == MaxGroups)
            {
                throw new ImapParseException("Too many event groups.", ImapStatus.No, ImapResponseCode.Limit);
            }

            var group = ParseGroup(t);
            names += group.Mailboxes.Count;
            if (names > MaxMailboxes)
            {
                throw new ImapParseException("Too many mailbox names.", ImapStatus.No, ImapResponseCode.Limit);
            }

            groups.Add(group);
        }
        while (t.TryConsume(ImapBytes.Space));

        t.ExpectEnd();
        return new ImapNotifyCommand(tag, status, groups);
    }

    private static ImapNotifyGroup ParseGroup(ImapTokenizer t)
    {
        t.Expect(ImapBytes.OpenParen, "'(' starting an event group");
        var filter = t.ReadKeyword("a mailbox filter") switch
        {
            "SELECTED" => ImapNotifyFilter.Selected,
            "SELECTED-DELAYED" => ImapNotifyFilter.SelectedDelayed,
            "INBOXES" => ImapNotifyFilter.Inboxes,
            "PERSONAL" => ImapNotifyFilter.Personal,
            "SUBSCRIBED" => ImapNotifyFilter.Subscribed,
            "SUBTREE" => ImapNotifyFilter.Subtree,
            "MAILBOXES" => ImapNotifyFilter.Mailboxes,
            var other => throw new ImapParseException("Unknown mailbox filter " + other + "."),
        };
        var mailboxes = new List<string>();
        if (filter is ImapNotifyFilter.Subtree or ImapNotifyFilter.Mailboxes)
        {
            t.ExpectSpace();
            if (t.TryConsume(ImapBytes.OpenParen))
            {
                do
                {
                    mailboxes.Add(ImapMailbox.Read(t));
                    if (mailboxes.Count > MaxMailboxes)
                    {
                        throw new ImapParseException("Too many mailbox names.", ImapStatus.No, ImapResponseCode.Limit);
                    }
                }
                while (t.TryConsume(ImapBytes.Space));

                t.Expect(ImapBytes.CloseParen, "')' closing the mailbox list");
            }
            else
            {
                mailboxes.Add(ImapMailbox.Read(t));
            }
        }

        t.ExpectSpace();
        var events = ImapNotifyEvents.None;
        var fetchItems = new List<ImapFetchItem>();
        if (!t.TryConsumeKeyword("NONE"))
        {
            t.Expect(ImapBytes.OpenParen, "'(' starting the event list");
            do
            {
                var name = t.ReadKeyword("an event");
                var ev = name switch
                {
                    "MESSAGENEW" => ImapNotifyEvents.MessageNew,
                    "MESSAGEEXPUNGE" => ImapNotifyEvents.MessageExpunge,
                    "FLAGCHANGE" => ImapNotifyEvents.FlagChange,
                    "ANNOTATIONCHANGE" => ImapNotifyEvents.AnnotationChange,
                    "MAILBOXNAME" => ImapNotifyEvents.MailboxName,
                    "SUBSCRIPTIONCHANGE" => ImapNotifyEvents.SubscriptionChange,
                    "MAILBOXMETADATACHANGE" => ImapNotifyEvents.MailboxMetadataChange,
                    "SERVERMETADATACHANGE" => ImapNotifyEvents.ServerMetadataChange,
                    _ => throw new ImapParseException("Unknown event " + name + "."),
                };
                events |= ev;
                if (ev == ImapNotifyEvents.MessageNew && t.Peek() == ImapBytes.Space && t.PeekAt(1) == ImapBytes.OpenParen)
                {
                    t.Skip(2);
                    do
                    {
                        fetchItems.Add(ImapFetchCommand.ParseItem(t));
                    }
                    while (t.TryConsume(ImapBytes.Space));

                    t.Expect(ImapBytes.CloseParen, "')' closing MessageNew's fetch attributes");
                }
            }
            while (t.TryConsume(ImapBytes.Space));

            t.Expect(ImapBytes.CloseParen, "')' closing the event list");
        }

        t.Expect(ImapBytes.CloseParen, "')' closing an event group");
        return new ImapNotifyGroup(filter, mailboxes, events, fetchItems);
    }
}
