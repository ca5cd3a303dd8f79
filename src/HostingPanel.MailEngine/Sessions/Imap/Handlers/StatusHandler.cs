using HostingPanel.MailEngine.Protocol.Imap;
using HostingPanel.MailEngine.Protocol.Imap.Commands;

namespace HostingPanel.MailEngine.Sessions.Imap.Handlers;

/// <summary>STATUS (RFC 9051 6.3.11), also used by LIST RETURN (STATUS ...).</summary>
internal static class StatusHandler
{
    public static async ValueTask HandleAsync(ImapSession session, ImapCommand command, CancellationToken cancellationToken)
    {
        var status = (ImapStatusCommand)command;
        if (!session.TryMailboxName(command.Tag, status.Mailbox, out var name))
        {
            return;
        }

        if (!await WriteStatusAsync(session, name, status.Items, cancellationToken))
        {
            session.Writer.Tagged(command.Tag, ImapStatus.No, "No such mailbox.", ImapResponseCode.NonExistent);
            return;
        }

        session.Writer.Tagged(command.Tag, ImapStatus.Ok, "STATUS completed.");
    }

    internal static async ValueTask<bool> WriteStatusAsync(ImapSession session, string name, IReadOnlyList<ImapStatusItem> items, CancellationToken cancellationToken)
    {
        await using var folder = await session.Account!.OpenFolderAsync(name, cancellationToken);
        if (folder is null)
        {
            return false;
        }

        // One aggregate query in the store: STATUS of a large folder reads no per-message rows.
        var status = await folder.GetStatusAsync(cancellationToken);
        if (status is null)
        {
            return false;
        }

        WriteStatus(session.Writer, name, status, items);
        return true;
    }

    /// <summary><c>* STATUS name (item value ...)</c>; NOTIFY (RFC 5465 section 5) writes the same line unasked.</summary>
    internal static void WriteStatus(ImapResponseWriter w, string name, ImapFolderStatus status, IReadOnlyList<ImapStatusItem> items)
    {
        w.Untagged().Raw("STATUS "u8).Mailbox(name).Space().OpenList();
        var first = true;
        foreach (var item in items)
        {
            if (!first)
            {
                w.Space();
            }

            first = false;
            switch (item)
            {
                case ImapStatusItem.Messages:
                    w.Raw("MESSAGES "u8).Number((ulong)status.Messages);
                    break;
                case ImapStatusItem.Recent:
                    // Messages no session has seen yet (RFC 3501 6.3.10); what a session claimed is not recent to others.
                    w.Raw("RECENT "u8).Number((ulong)status.Recent);
                    break;
                case ImapStatusItem.UidNext:
                    w.Raw("UIDNEXT "u8).Number((ulong)status.UidNext);
                    break;
                case ImapStatusItem.UidValidity:
                    w.Raw("UIDVALIDITY "u8).Number((ulong)status.UidValidity);
                    break;
                case ImapStatusItem.Unseen:
                    w.Raw("UNSEEN "u8).Number((ulong)status.Unseen);
                    break;
                case ImapStatusItem.Deleted:
                    w.Raw("DELETED "u8).Number((ulong)status.Deleted);
                    break;
                case ImapStatusItem.Size:
                    w.Raw("SIZE "u8).Number(status.Size);
                    break;
                case ImapStatusItem.HighestModSeq:
                    w.Raw("HIGHESTMODSEQ "u8).Number(status.HighestModSeq);
                    break;
            }
        }

        w.CloseList().EndLine();
    }
}
