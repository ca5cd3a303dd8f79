using HostingPanel.MailEngine.Protocol.Imap;
using HostingPanel.MailEngine.Protocol.Imap.Commands;

namespace HostingPanel.MailEngine.Sessions.Imap.Handlers;

/// <summary>NOTIFY SET and NOTIFY NONE (RFC 5465 section 3); the reporting itself is <see cref="ImapNotifications"/>.</summary>
internal static class NotifyHandler
{
    private const ImapNotifyEvents NewAndExpunge = ImapNotifyEvents.MessageNew | ImapNotifyEvents.MessageExpunge;

    public static async ValueTask HandleAsync(ImapSession session, ImapCommand command, CancellationToken cancellationToken)
    {
        var notify = (ImapNotifyCommand)command;
        var w = session.Writer;
        ImapNotifyGroup? selected = null;
        var others = new List<(ImapNotifyGroup, IReadOnlyList<string>)>();
        var asked = ImapNotifyEvents.None;
        foreach (var group in notify.Groups)
        {
            asked |= group.Events;
            if (group.Filter is ImapNotifyFilter.Selected or ImapNotifyFilter.SelectedDelayed)
            {
                if (selected is not null)
                {
                    w.Tagged(command.Tag, ImapStatus.Bad, "SELECTED given twice.");
                    return;
                }

                // RFC 5465 section 5.1 and 5.2: a client that follows the selected mailbox must hear of new and expunged
                // messages both, or its sequence numbers go wrong; FlagChange needs them too.
                var events = group.Events & ImapNotifyEvents.Message;
                if ((events != ImapNotifyEvents.None && (events & NewAndExpunge) != NewAndExpunge))
                {
                    w.Tagged(command.Tag, ImapStatus.Bad, "MessageNew and MessageExpunge go together for the selected mailbox, and FlagChange needs both.");
                    return;
                }

                selected = group;
                continue;
            }

            if (group.FetchItems.Count > 0)
            {
                // RFC 5465 section 5.2: FETCH responses are for the selected mailbox only.
                w.Tagged(command.Tag, ImapStatus.Bad, "Fetch attributes after MessageNew are only for SELECTED.");
                return;
            }

            var names = new List<string>(group.Mailboxes.Count);
            foreach (var wire in group.Mailboxes)
            {
                if (!session.TryMailboxName(command.Tag, wire, out var name))
                {
                    return;
                }

                names.Add(name);
            }

            others.Add((group, names));
        }

        // RFC 5465 section 5.9: an event the server cannot report is refused with the list of those it can.
        if ((asked & ~ImapNotifyEvents.Supported) != 0)
        {
            w.Tagged(command.Tag, ImapStatus.No, "Some of these events cannot be reported.",
                "BADEVENT (MessageNew MessageExpunge FlagChange MailboxName SubscriptionChange)");
            return;
        }

        session.SetNotifications(null);
        if (notify.IsNone)
        {
            w.Tagged(command.Tag, ImapStatus.Ok, "NOTIFY completed.");
            return;
        }

        var notifications = new ImapNotifications(session.Account!.WatchChanges(), selected, others);
        try
        {
            await notifications.StartAsync(session, notify.SendStatus, cancellationToken);
        }
        catch
        {
            notifications.Dispose();
            throw;
        }

        session.SetNotifications(notifications);
        w.Tagged(command.Tag, ImapStatus.Ok, "NOTIFY completed.");
    }
}
