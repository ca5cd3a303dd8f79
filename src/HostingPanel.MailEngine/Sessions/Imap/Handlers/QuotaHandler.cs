using HostingPanel.MailEngine.Protocol.Imap;
using HostingPanel.MailEngine.Protocol.Imap.Commands;

namespace HostingPanel.MailEngine.Sessions.Imap.Handlers;

/// <summary>
/// GETQUOTA, GETQUOTAROOT and SETQUOTA (RFC 9208). Every folder has the one quota root "" (the whole
/// mailbox); STORAGE is reported in KiB, MESSAGE in messages. Users cannot change their quota.
/// </summary>
internal static class QuotaHandler
{
    private const string Root = "";

    public static async ValueTask HandleAsync(ImapSession session, ImapCommand command, CancellationToken cancellationToken)
    {
        var w = session.Writer;
        switch (command)
        {
            case ImapSetQuotaCommand:
                w.Tagged(command.Tag, ImapStatus.No, "Quota is set by the administrator.", ImapResponseCode.NoPerm);
                return;
            case ImapGetQuotaCommand get:
                if (get.Root != Root)
                {
                    w.Tagged(command.Tag, ImapStatus.No, "No such quota root.", ImapResponseCode.NonExistent);
                    return;
                }

                await WriteQuotaAsync(session, cancellationToken);
                w.Tagged(command.Tag, ImapStatus.Ok, "GETQUOTA completed.");
                return;
            case ImapMailboxCommand root:
                if (!session.TryMailboxName(command.Tag, root.Mailbox, out var name))
                {
                    return;
                }

                await using (var folder = await session.Account!.OpenFolderAsync(name, cancellationToken))
                {
                    if (folder is null)
                    {
                        w.Tagged(command.Tag, ImapStatus.No, "No such mailbox.", ImapResponseCode.NonExistent);
                        return;
                    }
                }

                w.Untagged().Raw("QUOTAROOT "u8).Mailbox(name).Space().String(Root).EndLine();
                await WriteQuotaAsync(session, cancellationToken);
                w.Tagged(command.Tag, ImapStatus.Ok, "GETQUOTAROOT completed.");
                return;
        }
    }

    private static async ValueTask WriteQuotaAsync(ImapSession session, CancellationToken cancellationToken)
    {
        var usage = await session.Account!.GetQuotaAsync(cancellationToken);
        var w = session.Writer;
        w.Untagged().Raw("QUOTA "u8).String(Root).Space().OpenList();
        var any = false;
        if (usage.LimitBytes is { } limit)
        {
            // KiB, rounded up so that a non-empty mailbox never shows 0.
            w.Raw("STORAGE "u8).Number((usage.UsedBytes + 1023) / 1024).Space().Number(limit / 1024);
            any = true;
        }

        if (usage.MessageLimit is { } messages)
        {
            if (any)
            {
                w.Space();
            }

            w.Raw("MESSAGE "u8).Number(usage.MessageCount).Space().Number(messages);
        }

        w.CloseList().EndLine();
    }
}
