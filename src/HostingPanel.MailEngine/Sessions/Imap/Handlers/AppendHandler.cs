using HostingPanel.MailEngine.Protocol.Imap;
using HostingPanel.MailEngine.Protocol.Imap.Commands;
using HostingPanel.MailEngine.Storage;

namespace HostingPanel.MailEngine.Sessions.Imap.Handlers;

/// <summary>APPEND (RFC 9051 6.3.12) with MULTIAPPEND, UIDPLUS APPENDUID, TRYCREATE and OVERQUOTA.</summary>
internal static class AppendHandler
{
    public static async ValueTask HandleAsync(ImapSession session, ImapCommand command, CancellationToken cancellationToken)
    {
        var append = (ImapAppendCommand)command;
        if (!session.TryMailboxName(command.Tag, append.Mailbox, out var name))
        {
            return;
        }

        if (append.Messages.Any(m => m.Data.Length == 0))
        {
            session.Writer.Tagged(command.Tag, ImapStatus.No, "Empty message.", ImapResponseCode.Cannot);
            return;
        }

        if (append.Messages.Any(m => Protocol.MessageHeaderLimit.HasOversizedField(m.Data)))
        {
            session.Writer.Tagged(command.Tag, ImapStatus.No, "A header field exceeds " + Protocol.MessageHeaderLimit.MaxFieldBytes + " bytes.", ImapResponseCode.Limit);
            return;
        }

        ImapAppendResult result;
        try
        {
            // Binary parts of a literal8 are stored base64-encoded (RFC 3516 4.4; BINARY[] decodes them back).
            var messages = append.Messages.Select(m => m.IsBinary ? m with { Data = Protocol.Imap.Mime.ImapBinaryConverter.Convert(m.Data) } : m).ToList();
            result = await session.Account!.AppendAsync(name, messages, cancellationToken);
        }
        catch (Exception e) when (StorageFull.Is(e))
        {
            // The server's disk, not the user's quota (that is [OVERQUOTA]): a temporary failure, nothing stored.
            session.Writer.Tagged(command.Tag, ImapStatus.No, "Server storage is full, try again later.", ImapResponseCode.Unavailable);
            return;
        }
        if (!result.Result.Success)
        {
            if (result.Result.Error == ImapStoreError.NonExistent)
            {
                session.Writer.Tagged(command.Tag, ImapStatus.No, "No such mailbox.", ImapResponseCode.TryCreate);
                return;
            }

            session.WriteStoreError(command.Tag, result.Result, "APPEND failed.");
            return;
        }

        await session.SyncSelectedAsync(allowExpunge: true, cancellationToken);
        session.Writer.Tagged(command.Tag, ImapStatus.Ok, "APPEND completed.", ImapResponseCode.AppendUid(result.UidValidity, result.Uids));
    }
}
