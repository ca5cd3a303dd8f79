using System.Text;
using HostingPanel.MailEngine.Protocol.Imap.Commands;
using MimeKit;
using MimeKit.Utils;

namespace HostingPanel.MailEngine.Protocol.Imap.Search;

/// <summary>One node of a THREAD answer; <see cref="Id"/> 0 is a dummy standing for a missing parent.</summary>
public sealed class ImapThreadNode(uint id)
{
    public uint Id { get; } = id;

    public List<ImapThreadNode> Children { get; } = [];
}

/// <summary>What threading needs of one message, read once from its header.</summary>
public sealed record ImapThreadMessage(uint Id, uint SequenceNumber, string? MessageId, IReadOnlyList<string> References, string? Subject, DateTimeOffset SentDate)
{
    public static ImapThreadMessage From(IImapSearchMessage message, bool useUid)
    {
        var headers = message.GetContent().Headers;
        var references = MessageIds(headers[HeaderId.References]);
        if (references.Count == 0)
        {
            // RFC 5256: without References, the first message-id of In-Reply-To.
            references = MessageIds(headers[HeaderId.InReplyTo]).Take(1).ToList();
        }

        return new ImapThreadMessage(
            useUid ? message.Uid : message.SequenceNumber,
            message.SequenceNumber,
            MessageIds(headers[HeaderId.MessageId]).FirstOrDefault(),
            references,
            headers[HeaderId.Subject],
            ImapMessageFields.SentDate(headers) ?? message.InternalDate);
    }

    private static List<string> MessageIds(string? value) =>
        value is null ? [] : MimeUtils.EnumerateReferences(value).ToList();
}

/// <summary>THREAD=ORDEREDSUBJECT and THREAD=REFERENCES of RFC 5256, and the thread-list syntax.</summary>
public static class ImapThreader
{
    public static IReadOnlyList<ImapThreadNode> Thread(ImapThreadAlgorithm algorithm, IEnumerable<ImapThreadMessage> messages) =>
        algorithm == ImapThreadAlgorithm.OrderedSubject ? OrderedSubject(messages) : References(messages);

    /// <summary>
    /// ORDEREDSUBJECT: messages grouped by base subject; in each group the earliest is the parent
    /// and the rest its children in date order; threads ordered by their first message's date.
    /// </summary>
    public static IReadOnlyList<ImapThreadNode> OrderedSubject(IEnumerable<ImapThreadMessage> messages)
    {
        var threads = new List<(ImapThreadMessage First, ImapThreadNode Node)>();
        foreach (var group in messages
            .OrderBy(m => ImapBaseSubject.Extract(m.Subject), StringComparer.Ordinal)
            .ThenBy(m => m.SentDate.UtcDateTime)
            .ThenBy(m => m.SequenceNumber)
            .GroupBy(m => ImapBaseSubject.Extract(m.Subject), StringComparer.Ordinal))
        {
            var list = group.ToList();
            var root = new ImapThreadNode(list[0].Id);
            foreach (var child in list.Skip(1))
            {
                root.Children.Add(new ImapThreadNode(child.Id));
            }

            threads.Add((list[0], root));
        }

        return threads.OrderBy(t => t.First.SentDate.UtcDateTime).ThenBy(t => t.First.SequenceNumber).Select(t => t.Node).ToList();
    }

    private sealed class Container
    {
        public ImapThreadMessage? Message;
        public Container? Parent;
        public readonly List<Container> Children = [];

        public bool IsDummy => Message is null;

        /// <summary>The message that stands for this container when sorting or grouping (a dummy's first child).</summary>
        public ImapThreadMessage? Representative => Message ?? Children.FirstOrDefault()?.Representative;

        public bool HasDescendant(Container other)
        {
            // Iterative so a long reference chain cannot exhaust the stack.
            var stack = new Stack<Container>(Children);
            while (stack.Count > 0)
            {
                var c = stack.Pop();
                if (ReferenceEquals(c, other))
                {
                    return true;
                }

                foreach (var child in c.Children)
                {
                    stack.Push(child);
                }
            }

            return false;
        }

        public void SetParent(Container? parent)
        {
            Parent?.Children.Remove(this);
            Parent = parent;
            parent?.Children.Add(this);
        }
    }

    /// <summary>REFERENCES: the algorithm of RFC 5256 section 4 (after Jamie Zawinski's).</summary>
    public static IReadOnlyList<ImapThreadNode> References(IEnumerable<ImapThreadMessage> messages)
    {
        // (1) Link containers by References.
        var table = new Dictionary<string, Container>(StringComparer.Ordinal);
        var unique = 0;
        foreach (var message in messages.OrderBy(m => m.SequenceNumber))
        {
            var id = message.MessageId;
            if (id is null || (table.TryGetValue(id, out var existing) && existing.Message is not null))
            {
                id = "\0unique-" + unique++;
            }

            if (!table.TryGetValue(id, out var container))
            {
                container = new Container();
                table[id] = container;
            }

            container.Message = message;
            Container? previous = null;
            foreach (var reference in message.References)
            {
                if (!table.TryGetValue(reference, out var current))
                {
                    current = new Container();
                    table[reference] = current;
                }

                if (previous is not null && current.Parent is null && !ReferenceEquals(previous, current) && !current.HasDescendant(previous))
                {
                    current.SetParent(previous);
                }

                previous = current;
            }

            if (previous is not null && (ReferenceEquals(previous, container) || container.HasDescendant(previous)))
            {
                previous = null;
            }

            container.SetParent(previous);
        }

        // (2) Root set; (3) the table is no longer needed.
        var roots = table.Values.Where(c => c.Parent is null).ToList();

        // (4) Prune dummies.
        roots = Prune(roots, isRoot: true);

        // (5) Sort the root set by date, then merge threads by base subject.
        SortSiblings(roots, recursive: true);
        roots = GroupBySubject(roots);

        // (6) Sort siblings everywhere by date.
        SortSiblings(roots, recursive: true);
        return roots.Select(ToNode).ToList();
    }

    private static List<Container> Prune(List<Container> level, bool isRoot)
    {
        var result = new List<Container>();
        foreach (var container in level)
        {
            var children = Prune(container.Children.ToList(), isRoot: false);
            container.Children.Clear();
            foreach (var child in children)
            {
                child.Parent = container;
                container.Children.Add(child);
            }

            if (container.IsDummy)
            {
                if (container.Children.Count == 0)
                {
                    continue;
                }

                if (!isRoot || container.Children.Count == 1)
                {
                    // Promote the children to this level.
                    foreach (var child in container.Children)
                    {
                        child.Parent = container.Parent;
                        result.Add(child);
                    }

                    continue;
                }
            }

            result.Add(container);
        }

        if (isRoot)
        {
            foreach (var container in result)
            {
                container.Parent = null;
            }
        }

        return result;
    }

    private static List<Container> GroupBySubject(List<Container> roots)
    {
        var subjects = new Dictionary<string, Container>(StringComparer.Ordinal);
        foreach (var container in roots)
        {
            var subject = ImapBaseSubject.Extract(container.Representative?.Subject, out var isReply);
            if (subject.Length == 0)
            {
                continue;
            }

            if (!subjects.TryGetValue(subject, out var old)
                || (!old.IsDummy && container.IsDummy)
                || (IsReply(old) && !isReply && !container.IsDummy))
            {
                subjects[subject] = container;
            }
        }

        var result = new List<Container>();
        var pendingReplacements = new Dictionary<Container, Container>(ReferenceEqualityComparer.Instance);
        foreach (var container in roots)
        {
            var subject = ImapBaseSubject.Extract(container.Representative?.Subject, out var isReply);
            if (subject.Length == 0 || !subjects.TryGetValue(subject, out var target) || ReferenceEquals(target, container))
            {
                result.Add(container);
                continue;
            }

            if (target.IsDummy && container.IsDummy)
            {
                foreach (var child in container.Children.ToList())
                {
                    child.SetParent(target);
                }
            }
            else if (target.IsDummy && !container.IsDummy)
            {
                container.SetParent(target);
            }
            else if (!target.IsDummy && isReply && !IsReply(target))
            {
                container.SetParent(target);
            }
            else
            {
                // Neither is the other's parent: both become children of a new dummy in the target's place.
                var dummy = new Container();
                var index = result.IndexOf(target);
                target.SetParent(dummy);
                container.SetParent(dummy);
                subjects[subject] = dummy;
                if (index >= 0)
                {
                    result[index] = dummy;
                }
                else
                {
                    // The target comes later in the root set; it will be replaced when reached.
                    pendingReplacements[target] = dummy;
                }
            }
        }

        // Targets met before their replacement dummy was made are swapped now.
        for (var i = 0; i < result.Count; i++)
        {
            if (pendingReplacements.TryGetValue(result[i], out var replacement))
            {
                result[i] = replacement;
            }
        }

        return result.Where(c => c.Parent is null).Distinct().ToList();
    }

    private static bool IsReply(Container container)
    {
        ImapBaseSubject.Extract(container.Representative?.Subject, out var isReply);
        return isReply;
    }

    private static void SortSiblings(List<Container> level, bool recursive)
    {
        if (recursive)
        {
            foreach (var container in level)
            {
                SortSiblings(container.Children, recursive);
            }
        }

        level.Sort((a, b) =>
        {
            var x = a.Representative;
            var y = b.Representative;
            if (x is null || y is null)
            {
                return 0;
            }

            var result = x.SentDate.UtcDateTime.CompareTo(y.SentDate.UtcDateTime);
            return result != 0 ? result : x.SequenceNumber.CompareTo(y.SequenceNumber);
        });
    }

    private static ImapThreadNode ToNode(Container container)
    {
        var node = new ImapThreadNode(container.Message?.Id ?? 0);
        foreach (var child in container.Children)
        {
            node.Children.Add(ToNode(child));
        }

        return node;
    }

    /// <remarks>
    /// <code>
    /// thread-data    = "THREAD" [SP 1*thread-list]
    /// thread-list    = "(" (thread-members / thread-nested) ")"
    /// thread-members = nz-number *(SP nz-number) [SP thread-nested]
    /// thread-nested  = 2*thread-list
    /// </code>
    /// </remarks>
    public static string Format(IEnumerable<ImapThreadNode> threads)
    {
        var builder = new StringBuilder();
        foreach (var thread in threads)
        {
            builder.Append('(');
            WriteMembers(builder, thread);
            builder.Append(')');
        }

        return builder.ToString();
    }

    private static void WriteMembers(StringBuilder builder, ImapThreadNode node)
    {
        var first = true;
        while (true)
        {
            if (node.Id != 0)
            {
                if (!first)
                {
                    builder.Append(' ');
                }

                builder.Append(node.Id);
                first = false;
            }

            if (node.Children.Count == 1)
            {
                node = node.Children[0];
                continue;
            }

            if (node.Children.Count > 1)
            {
                if (!first)
                {
                    builder.Append(' ');
                }

                foreach (var child in node.Children)
                {
                    builder.Append('(');
                    WriteMembers(builder, child);
                    builder.Append(')');
                }
            }

            return;
        }
    }
}
