namespace HostingPanel.MailEngine.Protocol.Imap.Commands;

/// <remarks>
/// <code>
/// fetch           = "FETCH" SP sequence-set SP ("ALL" / "FULL" / "FAST" / fetch-att / "(" fetch-att *(SP fetch-att) ")") [fetch-modifiers]
/// fetch-att       = "ENVELOPE" / "FLAGS" / "INTERNALDATE" / "RFC822" [".HEADER" / ".SIZE" / ".TEXT"] /
///                   "BODY" ["STRUCTURE"] / "UID" / "BODY" section [partial] / "BODY.PEEK" section [partial] /
///                   "BINARY" [".PEEK"] section-binary [partial] / "BINARY.SIZE" section-binary / "MODSEQ"
/// partial         = "&lt;" number "." nz-number "&gt;"
/// section         = "[" [section-spec] "]"
/// section-spec    = section-msgtext / (section-part ["." section-text])
/// section-msgtext = "HEADER" / "HEADER.FIELDS" [".NOT"] SP header-list / "TEXT"
/// section-part    = nz-number *("." nz-number)
/// section-text    = section-msgtext / "MIME"
/// section-binary  = "[" [section-part] "]"
/// header-list     = "(" header-fld-name *(SP header-fld-name) ")"
/// fetch-modifiers = SP "(" fetch-modifier *(SP fetch-modifier) ")"         ; RFC 4466
/// fetch-modifier  = "CHANGEDSINCE" SP mod-sequence-value / "VANISHED"     ; RFC 7162
/// </code>
/// Macros: ALL = (FLAGS INTERNALDATE RFC822.SIZE ENVELOPE); FAST = (FLAGS INTERNALDATE RFC822.SIZE);
/// FULL = (FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODY).
/// </remarks>
public sealed record ImapFetchCommand(
    string Tag,
    bool Uid,
    ImapSequenceSet Set,
    IReadOnlyList<ImapFetchItem> Items,
    ulong? ChangedSince,
    bool Vanished) : ImapCommand(Tag)
{
    private const int MaxItems = 256;
    private const int MaxHeaderFields = 256;

    public override string Name => "FETCH";

    internal static ImapFetchCommand Parse(ImapTokenizer t, string tag, bool uid)
    {
        t.ExpectSpace();
        var set = t.ReadSequenceSet();
        t.ExpectSpace();
        var items = new List<ImapFetchItem>();
        if (t.TryConsume(ImapBytes.OpenParen))
        {
            do
            {
                items.Add(ParseItem(t));
                if (items.Count > MaxItems)
                {
                    throw new ImapParseException("Too many fetch items.");
                }
            }
            while (t.TryConsume(ImapBytes.Space));

            t.Expect(ImapBytes.CloseParen, "')' closing fetch items");
        }
        else if (t.TryConsumeKeyword("ALL"))
        {
            items.AddRange([ImapFetchItem.Flags, ImapFetchItem.InternalDate, ImapFetchItem.Rfc822Size, ImapFetchItem.Envelope]);
        }
        else if (t.TryConsumeKeyword("FAST"))
        {
            items.AddRange([ImapFetchItem.Flags, ImapFetchItem.InternalDate, ImapFetchItem.Rfc822Size]);
        }
        else if (t.TryConsumeKeyword("FULL"))
        {
            items.AddRange([ImapFetchItem.Flags, ImapFetchItem.InternalDate, ImapFetchItem.Rfc822Size, ImapFetchItem.Envelope, ImapFetchItem.Body]);
        }
        else
        {
            items.Add(ParseItem(t));
        }

        ulong? changedSince = null;
        var vanished = false;
        if (t.TryConsume(ImapBytes.Space))
        {
            t.Expect(ImapBytes.OpenParen, "'(' starting fetch modifiers");
            do
            {
                var name = t.ReadKeyword("a fetch modifier");
                switch (name)
                {
                    case "CHANGEDSINCE":
                        t.ExpectSpace();
                        changedSince = t.ReadNumber64("a mod-sequence");
                        break;
                    case "VANISHED":
                        vanished = true;
                        break;
                    default:
                        throw new ImapParseException("Unknown fetch modifier " + name + ".");
                }
            }
            while (t.TryConsume(ImapBytes.Space));

            t.Expect(ImapBytes.CloseParen, "')' closing fetch modifiers");
        }

        t.ExpectEnd();

        // RFC 7162 section 3.2.6: VANISHED only with UID FETCH and CHANGEDSINCE.
        if (vanished && (!uid || changedSince is null))
        {
            throw new ImapParseException("VANISHED needs UID FETCH with CHANGEDSINCE.");
        }

        return new ImapFetchCommand(tag, uid, set, items, changedSince, vanished);
    }

    internal static ImapFetchItem ParseItem(ImapTokenizer t)
    {
        // Item names contain "." and stop at "[": read letters, digits and dots only.
        var name = System.Text.Encoding.ASCII.GetString(
            t.ReadWhile(b => char.IsAsciiLetterOrDigit((char)b) || b == ImapBytes.Dot, "a fetch item")).ToUpperInvariant();
        switch (name)
        {
            case "ENVELOPE":
                return ImapFetchItem.Envelope;
            case "FLAGS":
                return ImapFetchItem.Flags;
            case "INTERNALDATE":
                return ImapFetchItem.InternalDate;
            case "RFC822":
                return new ImapFetchItem(ImapFetchItemKind.Rfc822);
            case "RFC822.HEADER":
                return new ImapFetchItem(ImapFetchItemKind.Rfc822Header);
            case "RFC822.SIZE":
                return ImapFetchItem.Rfc822Size;
            case "RFC822.TEXT":
                return new ImapFetchItem(ImapFetchItemKind.Rfc822Text);
            case "BODYSTRUCTURE":
                return new ImapFetchItem(ImapFetchItemKind.BodyStructure);
            case "UID":
                return ImapFetchItem.Uid;
            case "MODSEQ":
                return ImapFetchItem.ModSeq;
            case "BODY":
                if (t.Peek() != ImapBytes.OpenBracket)
                {
                    return ImapFetchItem.Body;
                }

                return new ImapFetchItem(ImapFetchItemKind.BodySection, ParseSection(t), false, ParsePartial(t));
            case "BODY.PEEK":
                return new ImapFetchItem(ImapFetchItemKind.BodySection, ParseSection(t), true, ParsePartial(t));
            case "BINARY":
            case "BINARY.PEEK":
                return new ImapFetchItem(ImapFetchItemKind.Binary, ParseBinarySection(t), name == "BINARY.PEEK", ParsePartial(t));
            case "BINARY.SIZE":
                return new ImapFetchItem(ImapFetchItemKind.BinarySize, ParseBinarySection(t));
            default:
                throw new ImapParseException("Unknown fetch item " + name + ".");
        }
    }

    private static ImapSection ParseSection(ImapTokenizer t)
    {
        t.Expect(ImapBytes.OpenBracket, "'[' starting a section");
        if (t.TryConsume(ImapBytes.CloseBracket))
        {
            return ImapSection.Whole;
        }

        var part = new List<int>();
        while (ImapBytes.IsDigit(t.Peek()))
        {
            part.Add((int)Math.Min(t.ReadNzNumber("a part number"), int.MaxValue));
            if (part.Count > 100)
            {
                throw new ImapParseException("Section part path too deep.");
            }

            if (!t.TryConsume(ImapBytes.Dot))
            {
                t.Expect(ImapBytes.CloseBracket, "']' closing a section");
                return new ImapSection(part, ImapSectionText.None, []);
            }
        }

        var text = System.Text.Encoding.ASCII.GetString(
            t.ReadWhile(b => char.IsAsciiLetter((char)b) || b == ImapBytes.Dot, "a section name")).ToUpperInvariant();
        var kind = text switch
        {
            "HEADER" => ImapSectionText.Header,
            "HEADER.FIELDS" => ImapSectionText.HeaderFields,
            "HEADER.FIELDS.NOT" => ImapSectionText.HeaderFieldsNot,
            "TEXT" => ImapSectionText.Text,
            "MIME" when part.Count > 0 => ImapSectionText.Mime,
            _ => throw new ImapParseException("Unknown section " + text + "."),
        };
        IReadOnlyList<string> fields = [];
        if (kind is ImapSectionText.HeaderFields or ImapSectionText.HeaderFieldsNot)
        {
            t.ExpectSpace();
            t.Expect(ImapBytes.OpenParen, "'(' starting a header list");
            var list = new List<string>();
            do
            {
                var field = t.ReadAString("a header field name");
                if (field.Length == 0 || field.Any(c => c <= ' ' || c >= 0x7F || c == ':'))
                {
                    throw new ImapParseException("Invalid header field name.");
                }

                list.Add(field.ToUpperInvariant());
                if (list.Count > MaxHeaderFields)
                {
                    throw new ImapParseException("Too many header fields.");
                }
            }
            while (t.TryConsume(ImapBytes.Space));

            t.Expect(ImapBytes.CloseParen, "')' closing a header list");
            fields = list;
        }

        t.Expect(ImapBytes.CloseBracket, "']' closing a section");
        return new ImapSection(part, kind, fields);
    }

    private static ImapSection ParseBinarySection(ImapTokenizer t)
    {
        t.Expect(ImapBytes.OpenBracket, "'[' starting a binary section");
        var part = new List<int>();
        if (!t.TryConsume(ImapBytes.CloseBracket))
        {
            do
            {
                part.Add((int)Math.Min(t.ReadNzNumber("a part number"), int.MaxValue));
                if (part.Count > 100)
                {
                    throw new ImapParseException("Section part path too deep.");
                }
            }
            while (t.TryConsume(ImapBytes.Dot));

            t.Expect(ImapBytes.CloseBracket, "']' closing a binary section");
        }

        return new ImapSection(part, ImapSectionText.None, []);
    }

    private static ImapPartial? ParsePartial(ImapTokenizer t)
    {
        if (!t.TryConsume(ImapBytes.OpenAngle))
        {
            return null;
        }

        var offset = t.ReadNumber("a partial offset");
        t.Expect(ImapBytes.Dot, "'.' in a partial range");
        var length = t.ReadNzNumber("a partial length");
        t.Expect(ImapBytes.CloseAngle, "'>' closing a partial range");
        return new ImapPartial(offset, length);
    }
}
