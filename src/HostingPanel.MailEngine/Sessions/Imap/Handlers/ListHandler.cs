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
        var byName = folders.ToDictionary(f => f.Name, StringComparer.Ordinal);
        bool Matches(string name) => matchers.Any(m => m.IsMatch(name));
        var subscribedOnly = list.Selection.HasFlag(ImapListSelection.Subscribed);
        var specialOnly = list.Selection.HasFlag(ImapListSelection.SpecialUse);
        var showSubscribed = list.Return.HasFlag(ImapListReturn.Subscribed) || subscribedOnly;
        var subscriptions = list.IsLsub || showSubscribed
            ? (await session.Account!.ListSubscriptionsAsync(cancellationToken)).ToHashSet(StringComparer.Ordinal)
            : [];
        var lines = list.IsLsub ? LsubLines(subscriptions, byName, Matches)
            : subscribedOnly ? SubscribedLines(subscriptions, byName, Matches, list.Selection.HasFlag(ImapListSelection.RecursiveMatch))
            : byName.Keys.Where(Matches).Select(n => new ListLine(n, Noselect: false, ChildInfo: false));
        foreach (var line in lines.OrderBy(l => l.Name == ImapMailboxName.Inbox ? 0 : 1).ThenBy(l => l.Name, StringComparer.Ordinal))
        {
            var folder = byName.GetValueOrDefault(line.Name);
            if (specialOnly && folder?.SpecialUse is null)
            {
                continue;
            }

            var attributes = new List<string>();
            if (list.IsLsub)
            {
                if (line.Noselect)
                {
                    attributes.Add("\\Noselect");
                }
            }
            else if (folder is null)
            {
                // RFC 5258 3.4: a subscribed name that does not exist (\NonExistent implies \Noselect, not written twice).
                attributes.Add("\\NonExistent");
            }
            else
            {
                attributes.Add(names.Any(n => n.StartsWith(folder.Name + "/", StringComparison.Ordinal)) ? "\\HasChildren" : "\\HasNoChildren");
                if (!folder.IsSelectable)
                {
                    attributes.Add("\\Noselect");
                }
            }

            if (!list.IsLsub && showSubscribed && subscriptions.Contains(line.Name))
            {
                attributes.Add("\\Subscribed");
            }

            if (!list.IsLsub && folder?.SpecialUse is { } use)
            {
                attributes.Add(use);
            }

            w.Untagged().Atom(list.IsLsub ? "LSUB" : "LIST").Space().AtomList(attributes).Raw(" \"/\" "u8).Mailbox(line.Name);
            if (line.ChildInfo)
            {
                // RFC 5258 3.5: the name itself is not subscribed, but a descendant the patterns do not reach is.
                w.Raw(" (CHILDINFO (\"SUBSCRIBED\"))"u8);
            }

            w.EndLine();
            if (list.Return.HasFlag(ImapListReturn.Status) && folder is { IsSelectable: true })
            {
                await StatusHandler.WriteStatusAsync(session, folder.Name, list.StatusItems, cancellationToken);
            }
        }

        w.Tagged(command.Tag, ImapStatus.Ok, command.Name + " completed.");
    }

    /// <param name="Noselect">For LSUB: written with \\Noselect.</param>
    /// <param name="ChildInfo">For LIST (SUBSCRIBED RECURSIVEMATCH): written with CHILDINFO ("SUBSCRIBED").</param>
    private sealed record ListLine(string Name, bool Noselect, bool ChildInfo);

    /// <summary>
    /// LSUB (RFC 3501 6.3.9): the subscribed names the patterns match; and when a "%" stops short of a
    /// subscribed name, its matching ancestors that are not subscribed themselves, as \\Noselect.
    /// </summary>
    private static IEnumerable<ListLine> LsubLines(HashSet<string> subscriptions, Dictionary<string, ImapFolderInfo> folders, Func<string, bool> matches)
    {
        var lines = new Dictionary<string, ListLine>(StringComparer.Ordinal);
        foreach (var name in subscriptions)
        {
            if (matches(name))
            {
                lines[name] = new ListLine(name, folders.TryGetValue(name, out var folder) && !folder.IsSelectable, false);
                continue;
            }

            foreach (var ancestor in Ancestors(name))
            {
                if (!subscriptions.Contains(ancestor) && matches(ancestor))
                {
                    lines.TryAdd(ancestor, new ListLine(ancestor, true, false));
                }
            }
        }

        return lines.Values;
    }

    /// <summary>
    /// LIST (SUBSCRIBED [RECURSIVEMATCH]) (RFC 5258 3.1, 3.5): the subscribed names the patterns match, existing
    /// or not; with RECURSIVEMATCH also each matching name that is not subscribed but has a subscribed
    /// descendant no pattern matches (Dovecot's reading), with CHILDINFO.
    /// </summary>
    private static IEnumerable<ListLine> SubscribedLines(HashSet<string> subscriptions, Dictionary<string, ImapFolderInfo> folders,
        Func<string, bool> matches, bool recursive)
    {
        var lines = new Dictionary<string, ListLine>(StringComparer.Ordinal);
        foreach (var name in subscriptions.Where(matches))
        {
            lines[name] = new ListLine(name, false, false);
        }

        if (recursive)
        {
            foreach (var name in subscriptions.Where(n => !matches(n)))
            {
                foreach (var ancestor in Ancestors(name))
                {
                    if (!subscriptions.Contains(ancestor) && matches(ancestor))
                    {
                        lines.TryAdd(ancestor, new ListLine(ancestor, false, true));
                    }
                }
            }
        }

        return lines.Values;
    }

    private static IEnumerable<string> Ancestors(string name)
    {
        for (var i = name.IndexOf('/'); i > 0; i = name.IndexOf('/', i + 1))
        {
            yield return name[..i];
        }
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
