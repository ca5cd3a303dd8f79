using HostingPanel.MailEngine.Protocol.Imap;
using HostingPanel.MailEngine.Storage;

namespace HostingPanel.MailEngine.Sessions.Imap.StoreAdapters;

/// <summary>Maps the store's flag bits and keyword list to IMAP flag atoms and back.</summary>
internal static class ImapStoreFlags
{
    // One fixed order, so that two reads of the same state compare equal (the session compares lists).
    private static readonly (MessageFlags Bit, string Atom)[] System =
    [
        (MessageFlags.Seen, ImapFlags.Seen),
        (MessageFlags.Answered, ImapFlags.Answered),
        (MessageFlags.Flagged, ImapFlags.Flagged),
        (MessageFlags.Deleted, ImapFlags.Deleted),
        (MessageFlags.Draft, ImapFlags.Draft),
    ];

    // The flag lists without keywords, one per combination of the five bits: shared by every message
    // that has them, instead of a list per message per session.
    private static readonly string[][] Common = Enumerable.Range(0, 32).Select(bits => Build((MessageFlags)bits, []).ToArray()).ToArray();

    public static IReadOnlyList<string> ToImap(MessageFlags flags, IReadOnlyList<string> keywords) =>
        keywords.Count == 0 && (int)flags is >= 0 and < 32 ? Common[(int)flags] : Build(flags, keywords);

    private static List<string> Build(MessageFlags flags, IReadOnlyList<string> keywords)
    {
        var list = new List<string>(keywords.Count + 2);
        foreach (var (bit, atom) in System)
        {
            if ((flags & bit) != 0)
            {
                list.Add(atom);
            }
        }

        list.AddRange(keywords);
        return list;
    }

    /// <summary>Splits IMAP flags into system bits and keywords; \Recent and unknown system flags are dropped (not storable).</summary>
    public static (MessageFlags Flags, List<string> Keywords) FromImap(IEnumerable<string> flags)
    {
        var bits = MessageFlags.None;
        var keywords = new List<string>();
        foreach (var raw in flags)
        {
            var flag = ImapFlags.Normalize(raw);
            if (ImapFlags.IsSystemFlag(flag))
            {
                foreach (var (bit, atom) in System)
                {
                    if (flag == atom)
                    {
                        bits |= bit;
                    }
                }
            }
            else if (!keywords.Contains(flag, StringComparer.OrdinalIgnoreCase))
            {
                keywords.Add(flag);
            }
        }

        return (bits, keywords);
    }
}
