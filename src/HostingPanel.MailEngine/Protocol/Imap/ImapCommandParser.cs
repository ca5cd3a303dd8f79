using HostingPanel.MailEngine.Protocol.Imap.Commands;

namespace HostingPanel.MailEngine.Protocol.Imap;

/// <summary>Turns a framed command into a typed <see cref="ImapCommand"/>, or the reason for a tagged BAD.</summary>
/// <remarks>
/// <code>
/// command = tag SP (command-any / command-auth / command-nonauth / command-select) CRLF
/// </code>
/// The parser knows the grammar only; whether a command is allowed in the session's state is the
/// session's business.
/// </remarks>
public static class ImapCommandParser
{
    public static ImapParseResult Parse(ImapCommandFrame frame, ImapParserOptions? options = null)
    {
        options ??= ImapParserOptions.Default;
        var tag = frame.Tag;
        try
        {
            var t = new ImapTokenizer(frame, options);
            if (tag == "*")
            {
                throw new ImapParseException("Missing or invalid tag.");
            }

            t.Skip(tag.Length);
            t.ExpectSpace();
            var name = t.ReadKeyword("a command name");
            var uid = false;
            if (name == "UID")
            {
                uid = true;
                t.ExpectSpace();
                name = t.ReadKeyword("a command name after UID");
                if (name is not ("FETCH" or "STORE" or "SEARCH" or "COPY" or "MOVE" or "EXPUNGE" or "SORT" or "THREAD"))
                {
                    throw new ImapParseException("UID " + name + " is not a command.");
                }
            }

            ImapCommand command = name switch
            {
                "CAPABILITY" or "NOOP" or "LOGOUT" or "STARTTLS" or "IDLE" or "NAMESPACE" or "UNSELECT" or "CLOSE" or "CHECK" => ParseSimple(t, tag, name),
                "LOGIN" => ImapLoginCommand.Parse(t, tag),
                "AUTHENTICATE" => ImapAuthenticateCommand.Parse(t, tag),
                "ENABLE" => ImapEnableCommand.Parse(t, tag),
                "ID" => ImapIdCommand.Parse(t, tag),
                "SELECT" => ImapSelectCommand.Parse(t, tag, readOnly: false),
                "EXAMINE" => ImapSelectCommand.Parse(t, tag, readOnly: true),
                "CREATE" => ImapCreateCommand.Parse(t, tag),
                "DELETE" or "SUBSCRIBE" or "UNSUBSCRIBE" or "GETQUOTAROOT" => ImapMailboxCommand.Parse(t, tag, name),
                "RENAME" => ImapRenameCommand.Parse(t, tag),
                "LIST" => ImapListCommand.Parse(t, tag, lsub: false),
                "LSUB" => ImapListCommand.Parse(t, tag, lsub: true),
                "STATUS" => ImapStatusCommand.Parse(t, tag),
                "APPEND" => ImapAppendCommand.Parse(t, tag),
                "EXPUNGE" => ImapExpungeCommand.Parse(t, tag, uid),
                "SEARCH" => ImapSearchCommand.Parse(t, tag, uid),
                "FETCH" => ImapFetchCommand.Parse(t, tag, uid),
                "STORE" => ImapStoreCommand.Parse(t, tag, uid),
                "COPY" => ImapCopyCommand.Parse(t, tag, uid, move: false),
                "MOVE" => ImapCopyCommand.Parse(t, tag, uid, move: true),
                "SORT" => ImapSortCommand.Parse(t, tag, uid),
                "THREAD" => ImapThreadCommand.Parse(t, tag, uid),
                "GETQUOTA" => ImapGetQuotaCommand.Parse(t, tag),
                "SETQUOTA" => ImapSetQuotaCommand.Parse(t, tag),
                "CANCELUPDATE" => ImapCancelUpdateCommand.Parse(t, tag),
                "NOTIFY" => ImapNotifyCommand.Parse(t, tag),
                _ => throw new ImapParseException("Unknown command " + name + "."),
            };
            return new ImapParseResult(tag, command, ImapStatus.Ok, null, null);
        }
        catch (ImapParseException e)
        {
            return new ImapParseResult(tag, null, e.Status, e.ResponseCode, e.Message);
        }
    }

    /// <summary>Convenience for tests and tools: frames and parses a complete command text.</summary>
    public static ImapParseResult Parse(string text, ImapParserOptions? options = null) =>
        Parse(ImapCommandFrame.FromText(text, options?.Limits), options);

    private static ImapSimpleCommand ParseSimple(ImapTokenizer t, string tag, string name)
    {
        t.ExpectEnd();
        return new ImapSimpleCommand(tag, name);
    }
}
