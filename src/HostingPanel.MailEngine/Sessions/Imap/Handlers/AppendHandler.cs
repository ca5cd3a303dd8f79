using HostingPanel.MailEngine.Protocol.Imap;
using HostingPanel.MailEngine.Protocol.Imap.Commands;
using HostingPanel.MailEngine.Storage;

namespace HostingPanel.MailEngine.Sessions.Imap.Handlers;

/// <summary>APPEND (RFC 9051 6.3.12) with MULTIAPPEND, CATENATE (RFC 4469), UIDPLUS APPENDUID, TRYCREATE and OVERQUOTA.</summary>
internal static class AppendHandler
{
    public static async ValueTask HandleAsync(ImapSession session, ImapCommand command, CancellationToken cancellationToken)
    {
        var append = (ImapAppendCommand)command;
        if (!session.TryMailboxName(command.Tag, append.Mailbox, out var name))
        {
            return;
        }

        if (append.Messages.Any(m => m.Catenate is not null))
        {
            if (await CatenateAsync(session, command.Tag, name, append.Messages, cancellationToken) is not { } built)
            {
                return;
            }

            append = append with { Messages = built };
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

    /// <summary>
    /// The messages with every CATENATE built, or null after a tagged NO. The target is checked first, so a
    /// missing mailbox answers TRYCREATE whatever the URLs say; one bad URL fails the whole command
    /// (RFC 4469 section 5: BADURL, nothing appended, as MULTIAPPEND is all or nothing).
    /// </summary>
    private static async ValueTask<IReadOnlyList<ImapAppendMessage>?> CatenateAsync(
        ImapSession session, string tag, string mailbox, IReadOnlyList<ImapAppendMessage> messages, CancellationToken cancellationToken)
    {
        var account = session.Account!;
        await using (var target = await account.OpenFolderAsync(mailbox, cancellationToken))
        {
            if (target is null)
            {
                session.Writer.Tagged(tag, ImapStatus.No, "No such mailbox.", ImapResponseCode.TryCreate);
                return null;
            }
        }

        var built = new List<ImapAppendMessage>(messages.Count);
        foreach (var message in messages)
        {
            if (message.Catenate is not { } parts)
            {
                built.Add(message);
                continue;
            }

            var result = await ImapCatenateBuilder.BuildAsync(account, parts, session.Options.Limits.MaxLiteralSize, cancellationToken);
            if (result.BadUrl is { } url)
            {
                session.Writer.Tagged(tag, ImapStatus.No, "The URL names no message data of yours.", ImapResponseCode.BadUrl(url));
                return null;
            }

            if (result.TooBig)
            {
                session.Writer.Tagged(tag, ImapStatus.No, "The message would be larger than APPENDLIMIT.", ImapResponseCode.TooBig);
                return null;
            }

            built.Add(message with { Data = result.Data!, IsBinary = result.IsBinary, Catenate = null });
        }

        return built;
    }
}
