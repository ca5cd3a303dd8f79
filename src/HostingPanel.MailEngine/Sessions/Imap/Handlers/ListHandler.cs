using System.Text.RegularExpressions;
using HostingPanel.MailEngine.Protocol.Imap;
using HostingPanel.MailEngine.Protocol.Imap.Commands;

namespace HostingPanel.MailEngine.Sessions.Imap.Handlers;

/// <summary>LIST with LIST-EXTENDED, LIST-STATUS and SPECIAL-USE; LSUB.</summary>
/// <remarks>
/// "*" matches anything, "%" anything but the separator; the reference is prefixed to the
/// pattern. Special-use attributes are always shown (RFC 6154 section 2); \HasChildren /
/// \HasNoChildren too (RFC 9051 requires them in IMAP4rev2).
/// </remarks>
internal static class ListHandler
{
    private const int MaxPatternLength = 2 * ImapMailboxName.MaxNameBytes;

    public static async ValueTask HandleAsync(ImapSession session, ImapCommand command, CancellationToken cancellationToken)
    {
        var list = (ImapListCommand)command;
        var w = session.Writer;
        if (!list.IsLsub && list.Patterns is [""] && list.Selection == ImapListSelection.None)
        {
            // RFC 9051 6.3.9: an empty pattern asks for the hierarchy delimiter.
            w.Untagged().Raw("LIST (\\Noselect) \"/\" \"\""u8).EndLine();
            w.Tagged(command.Tag, ImapStatus.Ok, "LIST completed.");
            return;
        }

        // A pattern longer than any name could be matches nothing useful and would only cost CPU.
        if (list.Patterns.Any(p => p.Length > MaxPatternLength) || list.Reference.Length > MaxPatternLength)
        {
            w.Tagged(command.Tag, ImapStatus.No, "Pattern too long.", ImapResponseCode.Limit);
            return;
        }

        var folders = await session.Account!.ListFoldersAsync(cancellationToken);
        var names = folders.Select(f => f.Name).ToHashSet(StringComparer.Ordinal);
        var reference = Decode(list.Reference);
        List<Regex> matchers;
        try
        {
            matchers = list.Patterns.Select(p => ToRegex(reference + Decode(p))).ToList();
        }
        catch (NotSupportedException)
        {
            // NonBacktracking refuses expressions past its size limit.
            w.Tagged(command.Tag, ImapStatus.No, "Pattern too complex.", ImapResponseCode.Limit);
            return;
        }
        var subscribedOnly = list.IsLsub || list.Selection.HasFlag(ImapListSelection.Subscribed);
        var specialOnly = list.Selection.HasFlag(ImapListSelection.SpecialUse);
        var showSubscribed = list.Return.HasFlag(ImapListReturn.Subscribed) || list.Selection.HasFlag(ImapListSelection.Subscribed);
        foreach (var folder in folders.OrderBy(f => f.Name == ImapMailboxName.Inbox ? 0 : 1).ThenBy(f => f.Name, StringComparer.Ordinal))
        {
            if (!matchers.Any(m => m.IsMatch(folder.Name)) || (subscribedOnly && !folder.IsSubscribed) || (specialOnly && folder.SpecialUse is null))
            {
                continue;
            }

            var attributes = new List<string>();
            var hasChildren = names.Any(n => n.StartsWith(folder.Name + "/", StringComparison.Ordinal));
            if (!list.IsLsub)
            {
                attributes.Add(hasChildren ? "\\HasChildren" : "\\HasNoChildren");
            }

            if (!folder.IsSelectable)
            {
                attributes.Add("\\Noselect");
            }

            if (showSubscribed && folder.IsSubscribed)
            {
                attributes.Add("\\Subscribed");
            }

            if (folder.SpecialUse is { } use)
            {
                attributes.Add(use);
            }

            w.Untagged().Atom(list.IsLsub ? "LSUB" : "LIST").Space().AtomList(attributes).Raw(" \"/\" "u8).Mailbox(folder.Name).EndLine();
            if (list.Return.HasFlag(ImapListReturn.Status) && folder.IsSelectable)
            {
                await StatusHandler.WriteStatusAsync(session, folder.Name, list.StatusItems, cancellationToken);
            }
        }

        w.Tagged(command.Tag, ImapStatus.Ok, command.Name + " completed.");
    }

    private static string Decode(string wire)
    {
        if (ImapModifiedUtf7.TryDecode(wire, out var decoded, out _))
        {
            return decoded;
        }

        return wire;
    }

    private static Regex ToRegex(string pattern)
    {
        // INBOX is case-insensitive; nothing else is.
        pattern = ImapMailboxName.NormalizeInbox(pattern);
        var builder = new System.Text.StringBuilder("^");
        var previous = '\0';
        foreach (var c in pattern)
        {
            // Runs of wildcards mean what their widest member means; collapsing them keeps a hostile
            // "****...%%%" from becoming a huge expression.
            if ((c is '*' or '%') && (previous is '*' or '%'))
            {
                if (c == '*' && previous == '%')
                {
                    builder.Length -= "[^/]*".Length;
                    builder.Append(".*");
                    previous = '*';
                }

                continue;
            }

            previous = c;
            builder.Append(c switch
            {
                '*' => ".*",
                '%' => "[^/]*",
                _ => Regex.Escape(c.ToString()),
            });
        }

        builder.Append('$');
        return new Regex(builder.ToString(), RegexOptions.CultureInvariant | RegexOptions.NonBacktracking);
    }
}
