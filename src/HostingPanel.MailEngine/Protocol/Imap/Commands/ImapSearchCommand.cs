using System.Text;

namespace HostingPanel.MailEngine.Protocol.Imap.Commands;

[Flags]
public enum ImapSearchReturn
{
    None = 0,
    Min = 1,
    Max = 2,
    All = 4,
    Count = 8,
    Save = 16,

    /// <summary>RFC 5267 section 4.3: keep the result and tell its changes (ESEARCH ADDTO/REMOVEFROM).</summary>
    Update = 32,

    /// <summary>RFC 5267 section 4.4: only the matches at the positions <see cref="ImapSearchCommand.Partial"/> names.</summary>
    Partial = 64,
}

/// <summary>A PARTIAL range: positions in the result list, 1-based, <see cref="First"/> ≤ <see cref="Last"/>.</summary>
public readonly record struct ImapPartialRange(uint First, uint Last)
{
    /// <remarks>
    /// <code>
    /// partial-range = nz-number ":" nz-number   ; RFC 5267 section 4.4: "4:2" is "2:4"; no "*", no single number
    /// </code>
    /// </remarks>
    internal static ImapPartialRange Parse(ImapTokenizer t)
    {
        var a = t.ReadNzNumber("a partial range");
        t.Expect(ImapBytes.Colon, "':' in a partial range");
        var b = t.ReadNzNumber("the end of a partial range");
        return a <= b ? new ImapPartialRange(a, b) : new ImapPartialRange(b, a);
    }

    public override string ToString() =>
        First.ToString(System.Globalization.CultureInfo.InvariantCulture) + ":" + Last.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

/// <remarks>
/// <code>
/// search             = "SEARCH" [search-return-opts] SP search-program
/// search-return-opts = SP "RETURN" SP "(" [search-return-opt *(SP search-return-opt)] ")"   ; RFC 4731, 5182
/// search-return-opt  = "MIN" / "MAX" / "ALL" / "COUNT" / "SAVE"
///                    / "UPDATE" / "PARTIAL" SP partial-range                            ; RFC 5267 section 4
/// search-program     = ["CHARSET" SP charset SP] search-key *(SP search-key)
/// </code>
/// <see cref="IsExtended"/> is true when RETURN was given: the answer is then ESEARCH. UPDATE or
/// PARTIAL given twice, and PARTIAL with ALL, are BAD (RFC 5267 section 4.4: PARTIAL asks for part of
/// what ALL would return).
/// </remarks>
public sealed record ImapSearchCommand(string Tag, bool Uid, string? Charset, ImapSearchKey Key, ImapSearchReturn Return, bool IsExtended,
    ImapPartialRange? Partial = null) : ImapCommand(Tag)
{
    public override string Name => "SEARCH";

    internal static ImapSearchCommand Parse(ImapTokenizer t, string tag, bool uid)
    {
        t.ExpectSpace();
        var returns = ImapSearchReturn.None;
        var extended = false;
        ImapPartialRange? partial = null;
        if (t.TryConsumeKeyword("RETURN"))
        {
            extended = true;
            t.ExpectSpace();
            t.Expect(ImapBytes.OpenParen, "'(' starting search return options");
            if (!t.TryConsume(ImapBytes.CloseParen))
            {
                do
                {
                    var option = t.ReadKeyword("a search return option") switch
                    {
                        "MIN" => ImapSearchReturn.Min,
                        "MAX" => ImapSearchReturn.Max,
                        "ALL" => ImapSearchReturn.All,
                        "COUNT" => ImapSearchReturn.Count,
                        "SAVE" => ImapSearchReturn.Save,
                        "UPDATE" => ImapSearchReturn.Update,
                        "PARTIAL" => ImapSearchReturn.Partial,
                        var other => throw new ImapParseException("Unknown search return option " + other + "."),
                    };
                    if ((returns & option & (ImapSearchReturn.Update | ImapSearchReturn.Partial)) != 0)
                    {
                        throw new ImapParseException("Search return option " + option.ToString().ToUpperInvariant() + " given twice.");
                    }

                    if (option == ImapSearchReturn.Partial)
                    {
                        t.ExpectSpace();
                        partial = ImapPartialRange.Parse(t);
                    }

                    returns |= option;
                }
                while (t.TryConsume(ImapBytes.Space));

                t.Expect(ImapBytes.CloseParen, "')' closing search return options");
                if (returns.HasFlag(ImapSearchReturn.Partial) && returns.HasFlag(ImapSearchReturn.All))
                {
                    throw new ImapParseException("PARTIAL conflicts with ALL.");
                }
            }

            // RFC 4731 section 3.1: RETURN () means RETURN (ALL).
            if (returns == ImapSearchReturn.None)
            {
                returns = ImapSearchReturn.All;
            }

            t.ExpectSpace();
        }

        string? charset = null;
        if (t.TryConsumeKeyword("CHARSET"))
        {
            t.ExpectSpace();
            charset = t.ReadAString("a charset");
            t.ExpectSpace();
        }

        var key = ImapSearchParser.ParseProgram(t, charset);
        return new ImapSearchCommand(tag, uid, charset, key, returns, extended, partial);
    }
}

/// <summary>Parses search keys; shared by SEARCH, SORT and THREAD.</summary>
internal static class ImapSearchParser
{
    /// <summary>search-key *(SP search-key), to the end of the command.</summary>
    public static ImapSearchKey ParseProgram(ImapTokenizer t, string? charset)
    {
        var encoding = ResolveCharset(charset);
        var keys = new List<ImapSearchKey> { ParseKey(t, encoding, 0) };
        while (!t.AtEnd)
        {
            t.ExpectSpace();
            keys.Add(ParseKey(t, encoding, 0));
        }

        return keys.Count == 1 ? keys[0] : new ImapSearchAnd(keys);
    }

    // UTF-8 when the command names no charset; told apart by reference, because only a named charset
    // lets 8-bit bytes into a quoted search string (see ImapTokenizer.ReadAStringBytes).
    private static readonly Encoding NoCharsetGiven = new UTF8Encoding(false, throwOnInvalidBytes: true);

    /// <summary>The encoding of a CHARSET argument; an unknown one is <c>NO [BADCHARSET]</c> (RFC 9051 section 6.4.4).</summary>
    public static Encoding ResolveCharset(string? charset)
    {
        if (charset is null)
        {
            return NoCharsetGiven;
        }

        if (charset.Equals("UTF-8", StringComparison.OrdinalIgnoreCase) || charset.Equals("UTF8", StringComparison.OrdinalIgnoreCase))
        {
            return new UTF8Encoding(false, throwOnInvalidBytes: true);
        }

        if (charset.Equals("US-ASCII", StringComparison.OrdinalIgnoreCase))
        {
            return Encoding.ASCII;
        }

        try
        {
            return Encoding.GetEncoding(charset, EncoderFallback.ExceptionFallback, DecoderFallback.ExceptionFallback);
        }
        catch (ArgumentException)
        {
            throw new ImapParseException("Unsupported charset " + charset + ".", ImapStatus.No, "BADCHARSET (US-ASCII UTF-8)");
        }
    }

    /// <remarks>
    /// <code>
    /// search-key = "ALL" / "ANSWERED" / "BCC" SP astring / "BEFORE" SP date / "BODY" SP astring /
    ///              "CC" SP astring / "DELETED" / "FLAGGED" / "FROM" SP astring / "KEYWORD" SP flag-keyword /
    ///              "NEW" / "OLD" / "ON" SP date / "RECENT" / "SEEN" / "SINCE" SP date / "SUBJECT" SP astring /
    ///              "TEXT" SP astring / "TO" SP astring / "UNANSWERED" / "UNDELETED" / "UNFLAGGED" /
    ///              "UNKEYWORD" SP flag-keyword / "UNSEEN" / "DRAFT" / "HEADER" SP header-fld-name SP astring /
    ///              "LARGER" SP number64 / "NOT" SP search-key / "OR" SP search-key SP search-key /
    ///              "SENTBEFORE" SP date / "SENTON" SP date / "SENTSINCE" SP date / "SMALLER" SP number64 /
    ///              "UID" SP sequence-set / "UNDRAFT" / sequence-set / "(" search-key *(SP search-key) ")" /
    ///              "MODSEQ" [SP entry-name SP entry-type-req] SP mod-sequence-valzer     ; RFC 7162
    ///              "OLDER" SP nz-number / "YOUNGER" SP nz-number                       ; RFC 5032
    /// </code>
    /// Nesting (parentheses, NOT, OR) is bounded by <see cref="ImapLimits.MaxNestingDepth"/>, so
    /// 10,000 "(" or "NOT NOT ..." cost a BAD, not the stack.
    /// </remarks>
    public static ImapSearchKey ParseKey(ImapTokenizer t, Encoding encoding, int depth)
    {
        if (depth >= t.Options.Limits.MaxNestingDepth)
        {
            throw new ImapParseException("Search keys nested too deeply.");
        }

        var b = t.Peek();
        if (b == ImapBytes.OpenParen)
        {
            return ParseList(t, encoding, depth);
        }

        if (ImapBytes.IsDigit(b) || b == ImapBytes.Star || b == ImapBytes.Dollar)
        {
            return new ImapSearchSequence(t.ReadSequenceSet(), IsUid: false);
        }

        var name = t.ReadKeyword("a search key");
        if (KeyWithoutArgument(name) is { } simple)
        {
            return simple;
        }

        switch (name)
        {
            case "KEYWORD":
            case "UNKEYWORD":
                t.ExpectSpace();
                return new ImapSearchFlag(t.ReadFlag(), name == "KEYWORD");
            case "BCC":
            case "CC":
            case "FROM":
            case "SUBJECT":
            case "TO":
            case "HEADER":
            case "BODY":
            case "TEXT":
                t.ExpectSpace();
                return ParseTextKey(t, name, encoding);
            case "BEFORE":
            case "ON":
            case "SINCE":
            case "SENTBEFORE":
            case "SENTON":
            case "SENTSINCE":
                t.ExpectSpace();
                return ParseDateKey(t, name);
            case "LARGER":
            case "SMALLER":
                t.ExpectSpace();
                return new ImapSearchSize(name == "LARGER", t.ReadNumber64("a size"));
            case "NOT":
                t.ExpectSpace();
                return new ImapSearchNot(ParseKey(t, encoding, depth + 1));
            case "OR":
                t.ExpectSpace();
                return ParseOr(t, encoding, depth);
            case "UID":
                t.ExpectSpace();
                return new ImapSearchSequence(t.ReadSequenceSet(), IsUid: true);
            case "MODSEQ":
                return ParseModSeq(t);
            case "OLDER":
            case "YOUNGER":
                t.ExpectSpace();
                return new ImapSearchAge(name == "OLDER", t.ReadNzNumber("a number of seconds"));
            default:
                throw new ImapParseException("Unknown search key " + name + ".");
        }
    }

    /// <summary>"(" search-key *(SP search-key) ")": all of them.</summary>
    private static ImapSearchKey ParseList(ImapTokenizer t, Encoding encoding, int depth)
    {
        t.Skip();
        var keys = new List<ImapSearchKey> { ParseKey(t, encoding, depth + 1) };
        while (t.TryConsume(ImapBytes.Space))
        {
            keys.Add(ParseKey(t, encoding, depth + 1));
        }

        t.Expect(ImapBytes.CloseParen, "')' closing a search key list");
        return keys.Count == 1 ? keys[0] : new ImapSearchAnd(keys);
    }

    /// <summary>The keys without an argument: ALL and the system flags, set or not; null for any other key.</summary>
    private static ImapSearchKey? KeyWithoutArgument(string name) => name switch
    {
        "ALL" => ImapSearchAll.Instance,
        "ANSWERED" => new ImapSearchFlag(ImapFlags.Answered, true),
        "UNANSWERED" => new ImapSearchFlag(ImapFlags.Answered, false),
        "DELETED" => new ImapSearchFlag(ImapFlags.Deleted, true),
        "UNDELETED" => new ImapSearchFlag(ImapFlags.Deleted, false),
        "DRAFT" => new ImapSearchFlag(ImapFlags.Draft, true),
        "UNDRAFT" => new ImapSearchFlag(ImapFlags.Draft, false),
        "FLAGGED" => new ImapSearchFlag(ImapFlags.Flagged, true),
        "UNFLAGGED" => new ImapSearchFlag(ImapFlags.Flagged, false),
        "SEEN" => new ImapSearchFlag(ImapFlags.Seen, true),
        "UNSEEN" => new ImapSearchFlag(ImapFlags.Seen, false),
        "RECENT" => new ImapSearchFlag(ImapFlags.Recent, true),
        "OLD" => new ImapSearchFlag(ImapFlags.Recent, false),
        // RFC 3501: NEW is "(RECENT UNSEEN)".
        "NEW" => new ImapSearchAnd([new ImapSearchFlag(ImapFlags.Recent, true), new ImapSearchFlag(ImapFlags.Seen, false)]),
        _ => null,
    };

    /// <summary>BCC, CC, FROM, SUBJECT, TO and HEADER (a header field), BODY and TEXT, after their SP.</summary>
    private static ImapSearchKey ParseTextKey(ImapTokenizer t, string name, Encoding encoding)
    {
        switch (name)
        {
            case "HEADER":
                var field = t.ReadAString("a header field name");
                t.ExpectSpace();
                return new ImapSearchHeader(field, ReadText(t, encoding));
            case "BODY":
                return new ImapSearchText(ImapSearchTextScope.Body, ReadText(t, encoding));
            case "TEXT":
                return new ImapSearchText(ImapSearchTextScope.Text, ReadText(t, encoding));
            default:
                return new ImapSearchHeader(FieldName(name), ReadText(t, encoding));
        }
    }

    /// <summary>BEFORE, ON, SINCE on the internal date and SENTBEFORE, SENTON, SENTSINCE on Date:, after their SP.</summary>
    private static ImapSearchDate ParseDateKey(ImapTokenizer t, string name)
    {
        var field = name.StartsWith("SENT", StringComparison.Ordinal) ? ImapSearchDateField.Sent : ImapSearchDateField.Internal;
        var comparison = name.EndsWith("BEFORE", StringComparison.Ordinal) ? ImapSearchDateComparison.Before
            : name.EndsWith("ON", StringComparison.Ordinal) ? ImapSearchDateComparison.On
            : ImapSearchDateComparison.Since;
        return new ImapSearchDate(field, comparison, t.ReadDate());
    }

    /// <summary>"OR" SP search-key SP search-key, after the first SP.</summary>
    private static ImapSearchOr ParseOr(ImapTokenizer t, Encoding encoding, int depth)
    {
        var left = ParseKey(t, encoding, depth + 1);
        t.ExpectSpace();
        var right = ParseKey(t, encoding, depth + 1);
        return new ImapSearchOr(left, right);
    }

    /// <remarks>
    /// <code>
    /// search-modsequence = "MODSEQ" [search-modseq-ext] SP mod-sequence-valzer
    /// search-modseq-ext  = SP entry-name SP entry-type-req
    /// entry-type-req     = "priv" / "shared" / "all"
    /// </code>
    /// </remarks>
    private static ImapSearchModSeq ParseModSeq(ImapTokenizer t)
    {
        t.ExpectSpace();
        if (ImapBytes.IsDigit(t.Peek()))
        {
            return new ImapSearchModSeq(t.ReadNumber64("a mod-sequence"), null, null);
        }

        var entry = t.ReadString("an entry name");
        t.ExpectSpace();
        var type = t.ReadKeyword("an entry type");
        if (type is not ("PRIV" or "SHARED" or "ALL"))
        {
            throw new ImapParseException("Entry type must be priv, shared or all.");
        }

        t.ExpectSpace();
        return new ImapSearchModSeq(t.ReadNumber64("a mod-sequence"), entry, type.ToLowerInvariant());
    }

    private static string FieldName(string key) => key switch
    {
        "BCC" => "Bcc",
        "CC" => "Cc",
        "FROM" => "From",
        "SUBJECT" => "Subject",
        _ => "To",
    };

    private static string ReadText(ImapTokenizer t, Encoding encoding)
    {
        var bytes = t.ReadAStringBytes("a search string", declaredCharset: !ReferenceEquals(encoding, NoCharsetGiven));
        try
        {
            return encoding.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw new ImapParseException("Search string is not valid in its charset.");
        }
    }
}
