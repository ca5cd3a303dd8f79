using System.Text;

namespace HostingPanel.MailEngine.Protocol.Imap.Commands;

public enum ImapFetchItemKind
{
    Envelope,
    Flags,
    InternalDate,
    Rfc822,
    Rfc822Header,
    Rfc822Size,
    Rfc822Text,

    /// <summary>BODY without a section: the non-extensible BODYSTRUCTURE.</summary>
    Body,
    BodyStructure,
    Uid,

    /// <summary>BODY[section]&lt;partial&gt; or BODY.PEEK[...].</summary>
    BodySection,

    /// <summary>BINARY[part]&lt;partial&gt; or BINARY.PEEK[...] (RFC 3516).</summary>
    Binary,

    /// <summary>BINARY.SIZE[part] (RFC 3516).</summary>
    BinarySize,

    /// <summary>MODSEQ (RFC 7162).</summary>
    ModSeq,
}

public enum ImapSectionText
{
    /// <summary>The whole part (BODY[] or BODY[1.2]).</summary>
    None,
    Header,
    HeaderFields,
    HeaderFieldsNot,
    Text,
    Mime,
}

/// <summary>A body section: part path (empty for the message itself) and what of it.</summary>
public sealed record ImapSection(IReadOnlyList<int> Part, ImapSectionText Text, IReadOnlyList<string> Fields)
{
    public static ImapSection Whole { get; } = new([], ImapSectionText.None, []);

    /// <summary>The section spec as it goes back in the FETCH response, between the brackets.</summary>
    public override string ToString()
    {
        var builder = new StringBuilder();
        builder.AppendJoin('.', Part);
        var text = Text switch
        {
            ImapSectionText.Header => "HEADER",
            ImapSectionText.HeaderFields => "HEADER.FIELDS",
            ImapSectionText.HeaderFieldsNot => "HEADER.FIELDS.NOT",
            ImapSectionText.Text => "TEXT",
            ImapSectionText.Mime => "MIME",
            _ => null,
        };
        if (text is not null)
        {
            if (builder.Length > 0)
            {
                builder.Append('.');
            }

            builder.Append(text);
        }

        if (Text is ImapSectionText.HeaderFields or ImapSectionText.HeaderFieldsNot)
        {
            builder.Append(" (").AppendJoin(' ', Fields).Append(')');
        }

        return builder.ToString();
    }

    public bool Equals(ImapSection? other) =>
        other is not null && Text == other.Text && Part.SequenceEqual(other.Part) && Fields.SequenceEqual(other.Fields, StringComparer.OrdinalIgnoreCase);

    public override int GetHashCode() => HashCode.Combine(Text, Part.Count, Fields.Count);
}

/// <summary>&lt;offset.length&gt; of a partial fetch; the response names only the offset.</summary>
public readonly record struct ImapPartial(uint Offset, uint Length);

public sealed record ImapFetchItem(ImapFetchItemKind Kind, ImapSection? Section = null, bool Peek = false, ImapPartial? Partial = null)
{
    public static ImapFetchItem Envelope { get; } = new(ImapFetchItemKind.Envelope);

    public static ImapFetchItem Flags { get; } = new(ImapFetchItemKind.Flags);

    public static ImapFetchItem InternalDate { get; } = new(ImapFetchItemKind.InternalDate);

    public static ImapFetchItem Rfc822Size { get; } = new(ImapFetchItemKind.Rfc822Size);

    public static ImapFetchItem Body { get; } = new(ImapFetchItemKind.Body);

    public static ImapFetchItem Uid { get; } = new(ImapFetchItemKind.Uid);

    public static ImapFetchItem ModSeq { get; } = new(ImapFetchItemKind.ModSeq);

    /// <summary>Whether fetching it sets \Seen (RFC 9051 section 6.4.5): BODY[], BINARY[], RFC822, RFC822.TEXT.</summary>
    public bool SetsSeen => !Peek && Kind is ImapFetchItemKind.BodySection or ImapFetchItemKind.Binary or ImapFetchItemKind.Rfc822 or ImapFetchItemKind.Rfc822Text;

    /// <summary>The item's name in the FETCH response: "BODY[1.MIME]&lt;0&gt;", "BINARY.SIZE[1]", "RFC822.SIZE"...</summary>
    public string ResponseName => Kind switch
    {
        ImapFetchItemKind.Envelope => "ENVELOPE",
        ImapFetchItemKind.Flags => "FLAGS",
        ImapFetchItemKind.InternalDate => "INTERNALDATE",
        ImapFetchItemKind.Rfc822 => "RFC822",
        ImapFetchItemKind.Rfc822Header => "RFC822.HEADER",
        ImapFetchItemKind.Rfc822Size => "RFC822.SIZE",
        ImapFetchItemKind.Rfc822Text => "RFC822.TEXT",
        ImapFetchItemKind.Body => "BODY",
        ImapFetchItemKind.BodyStructure => "BODYSTRUCTURE",
        ImapFetchItemKind.Uid => "UID",
        ImapFetchItemKind.ModSeq => "MODSEQ",
        ImapFetchItemKind.BodySection => "BODY[" + Section + "]" + PartialSuffix,
        ImapFetchItemKind.Binary => "BINARY[" + Section + "]" + PartialSuffix,
        ImapFetchItemKind.BinarySize => "BINARY.SIZE[" + Section + "]",
        _ => Kind.ToString().ToUpperInvariant(),
    };

    private string PartialSuffix => Partial is { } p ? "<" + p.Offset.ToString(System.Globalization.CultureInfo.InvariantCulture) + ">" : string.Empty;
}
