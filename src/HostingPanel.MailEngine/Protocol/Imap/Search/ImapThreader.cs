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
        var summary = ImapSorter.SummaryOf(message.GetContent());
        return new ImapThreadMessage(
            useUid ? message.Uid : message.SequenceNumber,
            message.SequenceNumber,
            summary.MessageId,
            summary.References,
            summary.Subject,
            summary.SentDate ?? message.InternalDate);
    }
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
        roots = Prune(roots);

        // (5) Sort the root set by date, then merge threads by base subject.
        SortSiblings(roots, recursive: true);
        roots = GroupBySubject(roots);

        // (6) Sort siblings everywhere by date.
        SortSiblings(roots, recursive: true);
        return roots.Select(ToNode).ToList();
    }

    /// <summary>
    /// Children before parents, without recursion: a mailbox where every message answers the previous
    /// one is a chain as deep as the mailbox is large.
    /// </summary>
    private static List<Container> PostOrder(Container root)
    {
        var order = new List<Container>();
        var stack = new Stack<(Container Node, bool Expanded)>();
        stack.Push((root, false));
        while (stack.Count > 0)
        {
            var (node, expanded) = stack.Pop();
            if (expanded)
            {
                order.Add(node);
                continue;
            }

            stack.Push((node, true));
            foreach (var child in node.Children)
            {
                stack.Push((child, false));
            }
        }

        return order;
    }

    /// <summary>
    /// Step 4: a dummy without children goes; a dummy with children gives them to its parent, unless it
    /// is a root with several children (then it holds them together).
    /// </summary>
    private static List<Container> Prune(List<Container> roots)
    {
        var top = new Container();
        foreach (var root in roots)
        {
            root.Parent = top;
            top.Children.Add(root);
        }

        foreach (var node in PostOrder(top))
        {
            if (ReferenceEquals(node, top) || !node.IsDummy)
            {
                continue;
            }

            var parent = node.Parent!;
            if (node.Children.Count == 0)
            {
                parent.Children.Remove(node);
            }
            else if (!ReferenceEquals(parent, top) || node.Children.Count == 1)
            {
                var index = parent.Children.IndexOf(node);
                parent.Children.RemoveAt(index);
                foreach (var child in node.Children)
                {
                    child.Parent = parent;
                }

                parent.Children.InsertRange(index, node.Children);
                node.Children.Clear();
            }
        }

        foreach (var root in top.Children)
        {
            root.Parent = null;
        }

        return top.Children;
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
            // Children are sorted before their parent, so a dummy's first child is settled when the dummy is compared.
            var top = new Container();
            top.Children.AddRange(level);
            foreach (var node in PostOrder(top))
            {
                if (!ReferenceEquals(node, top))
                {
                    SortLevel(node.Children);
                }
            }
        }

        SortLevel(level);
    }

    private static void SortLevel(List<Container> level) =>
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

    private static ImapThreadNode ToNode(Container container)
    {
        var root = new ImapThreadNode(container.Message?.Id ?? 0);
        var stack = new Stack<(Container Source, ImapThreadNode Target)>();
        stack.Push((container, root));
        while (stack.Count > 0)
        {
            var (source, target) = stack.Pop();
            foreach (var child in source.Children)
            {
                var node = new ImapThreadNode(child.Message?.Id ?? 0);
                target.Children.Add(node);
                stack.Push((child, node));
            }
        }

        return root;
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

        // An explicit stack of pending text and subtrees: no recursion, whatever the depth.
        var pending = new Stack<object>();
        foreach (var thread in threads.Reverse())
        {
            pending.Push(")");
            pending.Push(thread);
            pending.Push("(");
        }

        while (pending.Count > 0)
        {
            var item = pending.Pop();
            if (item is string text)
            {
                builder.Append(text);
                continue;
            }

            // thread-members: the ids down a single-child chain, then the branches as nested lists.
            var node = (ImapThreadNode)item;
            var wroteAny = false;
            while (true)
            {
                if (node.Id != 0)
                {
                    if (wroteAny)
                    {
                        builder.Append(' ');
                    }

                    builder.Append(node.Id);
                    wroteAny = true;
                }

                if (node.Children.Count != 1)
                {
                    break;
                }

                node = node.Children[0];
            }

            if (node.Children.Count > 1)
            {
                if (wroteAny)
                {
                    builder.Append(' ');
                }

                for (var k = node.Children.Count - 1; k >= 0; k--)
                {
                    pending.Push(")");
                    pending.Push(node.Children[k]);
                    pending.Push("(");
                }
            }
        }

        return builder.ToString();
    }
}
