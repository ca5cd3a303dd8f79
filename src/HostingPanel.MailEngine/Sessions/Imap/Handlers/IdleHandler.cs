using HostingPanel.MailEngine.Protocol.Imap;
using HostingPanel.MailEngine.Protocol.Imap.Commands;

namespace HostingPanel.MailEngine.Sessions.Imap.Handlers;

/// <summary>IDLE (RFC 2177): changes are pushed as they happen until the client sends DONE.</summary>
internal static class IdleHandler
{
    public static async ValueTask HandleAsync(ImapSession session, ImapCommand command, CancellationToken cancellationToken)
    {
        session.Writer.Continuation("idling");
        await session.SyncSelectedAsync(allowExpunge: true, cancellationToken);
        await session.Channel.FlushAsync(cancellationToken);

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(session.Options.IdleTimeout);
        var lineTask = session.Channel.ReadLineAsync(timeout.Token).AsTask();
        using var changeStop = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token);
        while (true)
        {
            // After NOTIFY the account's latch covers the selected folder too (RFC 5465 section 5: IDLE then reports both).
            var changeTask = session.Notifications is { } notifications ? notifications.WaitAsync(changeStop.Token)
                : session.Selected is { } mailbox ? mailbox.Folder.WaitForChangeAsync(changeStop.Token)
                : Task.Delay(Timeout.Infinite, changeStop.Token);
            var finished = await Task.WhenAny(lineTask, changeTask);
            if (finished == lineTask)
            {
                await changeStop.CancelAsync();
                if (changeTask.IsCompletedSuccessfully)
                {
                    // News that came with DONE is told after the next command, not lost.
                    session.Notifications?.Requeue();
                }

                string? line;
                try
                {
                    line = await lineTask;
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    session.Writer.UntaggedStatus(ImapStatus.Bye, "IDLE timed out.");
                    session.State = new ImapLogoutState();
                    return;
                }

                if (line is null)
                {
                    session.State = new ImapLogoutState();
                    return;
                }

                if (line.Equals("DONE", StringComparison.OrdinalIgnoreCase))
                {
                    session.Writer.Tagged(command.Tag, ImapStatus.Ok, "IDLE terminated.");
                }
                else
                {
                    session.Writer.Tagged(command.Tag, ImapStatus.Bad, "Expected DONE.");
                }

                return;
            }

            try
            {
                await changeTask;
            }
            catch (OperationCanceledException)
            {
                // The connection is ending (shutdown, or its login was revoked): leave rather than wait for the client's
                // line, whose read may not see the cancellation (without this, IDLE spun here).
                cancellationToken.ThrowIfCancellationRequested();
                continue;
            }

            await session.SyncSelectedAsync(allowExpunge: true, cancellationToken);
            await session.ReportNotificationsAsync(cancellationToken);
            await session.Channel.FlushAsync(cancellationToken);
        }
    }
}
