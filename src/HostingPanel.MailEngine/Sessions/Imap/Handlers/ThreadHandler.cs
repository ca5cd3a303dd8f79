using HostingPanel.MailEngine.Protocol.Imap;
using HostingPanel.MailEngine.Protocol.Imap.Commands;
using HostingPanel.MailEngine.Protocol.Imap.Search;

namespace HostingPanel.MailEngine.Sessions.Imap.Handlers;

/// <summary>THREAD and UID THREAD (RFC 5256).</summary>
internal static class ThreadHandler
{
    public static async ValueTask HandleAsync(ImapSession session, ImapCommand command, CancellationToken cancellationToken)
    {
        var thread = (ImapThreadCommand)command;
        var mailbox = session.Selected!;
        // THREAD reads Subject, Date, Message-ID, In-Reply-To and References: the header summaries are enough.
        var need = (ImapSearchNeed)Math.Max((int)ImapSearchMessage.Need(thread.Key), (int)ImapSearchNeed.Summary);
        var matches = await ImapSearchMessage.FilterAsync(mailbox, thread.Key, ImapSearchMessage.Context(mailbox, session), need, keepHeaders: true, cancellationToken);
        var threads = ImapThreader.Thread(thread.Algorithm, matches.Select(m => ImapThreadMessage.From(m, thread.Uid)));
        var text = ImapThreader.Format(threads);
        var w = session.Writer;
        w.Untagged().Atom("THREAD");
        if (text.Length > 0)
        {
            w.Space().Atom(text);
        }

        w.EndLine();
        await session.SyncSelectedAsync(allowExpunge: thread.Uid, cancellationToken);
        w.Tagged(command.Tag, ImapStatus.Ok, "THREAD completed.");
    }
}
