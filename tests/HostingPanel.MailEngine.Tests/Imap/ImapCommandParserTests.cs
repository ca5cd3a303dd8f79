using System.Diagnostics;
using System.Text;
using HostingPanel.MailEngine.Protocol.Imap;
using HostingPanel.MailEngine.Protocol.Imap.Commands;
using Xunit;

namespace HostingPanel.MailEngine.Tests.Imap;

public sealed class ImapCommandParserTests
{
    /// <summary>Parses the text whole, then split at every byte offset, and checks all parses agree.</summary>
    private static T ParseEverySplit<T>(string text, ImapParserOptions? options = null)
        where T : ImapCommand
    {
        var whole = ImapCommandParser.Parse(text, options);
        Assert.True(whole.Success, whole.Error);
        var expected = ObjectDump.Of(whole.Command);
        var bytes = Encoding.UTF8.GetBytes(text);
        for (var split = 0; split <= bytes.Length; split++)
        {
            var frames = ImapReaderHarness.Feed(bytes, options?.Limits, split).Where(r => r.Kind == ImapReadResultKind.Command).ToList();
            var frame = Assert.Single(frames).Frame!;
            Assert.Equal(expected, ObjectDump.Of(ImapCommandParser.Parse(frame, options).Command));
        }

        return Assert.IsType<T>(whole.Command);
    }

    private static ImapParseResult Bad(string text, ImapParserOptions? options = null)
    {
        var result = ImapCommandParser.Parse(text, options);
        Assert.False(result.Success);
        Assert.False(string.IsNullOrEmpty(result.Error));
        return result;
    }

    [Theory]
    [InlineData("a001 CAPABILITY\r\n", "CAPABILITY")]
    [InlineData("a002 NOOP\r\n", "NOOP")]
    [InlineData("A023 LOGOUT\r\n", "LOGOUT")]
    [InlineData("a001 STARTTLS\r\n", "STARTTLS")]
    [InlineData("a002 IDLE\r\n", "IDLE")]
    [InlineData("A001 NAMESPACE\r\n", "NAMESPACE")]
    [InlineData("A341 CLOSE\r\n", "CLOSE")]
    [InlineData("a UNSELECT\r\n", "UNSELECT")]
    [InlineData("FXXZ CHECK\r\n", "CHECK")]
    [InlineData("x noop\r\n", "NOOP")]
    public void Rfc9051_CommandsWithoutArguments(string text, string name)
    {
        var command = ParseEverySplit<ImapSimpleCommand>(text);
        Assert.Equal(name, command.Name);
    }

    [Fact]
    public void Rfc9051_Login_WithQuotedAndAtomArguments()
    {
        var command = ParseEverySplit<ImapLoginCommand>("a001 LOGIN SMITH \"sesame \\\"x\\\\\"\r\n");
        Assert.Equal("SMITH", command.UserName);
        Assert.Equal("sesame \"x\\", command.Password);
    }

    [Fact]
    public void Login_WithLiterals_DecodesUtf8()
    {
        var command = ParseEverySplit<ImapLoginCommand>("a LOGIN {9}\r\nj\u00f6rg@x.y {3+}\r\n\u00e4b\r\n");
        Assert.Equal("j\u00f6rg@x.y", command.UserName);
        Assert.Equal("\u00e4b", command.Password);
    }

    [Fact]
    public void Rfc4959_AuthenticatePlain_WithInitialResponse()
    {
        var command = ParseEverySplit<ImapAuthenticateCommand>("a AUTHENTICATE PLAIN AGZyZWQAc2VjcmV0\r\n");
        Assert.Equal("PLAIN", command.Mechanism);
        Assert.Equal("AGZyZWQAc2VjcmV0", command.InitialResponse);
    }

    [Fact]
    public void Rfc4959_AuthenticateWithEqualsSign_IsAnEmptyInitialResponse() =>
        Assert.Equal(string.Empty, ParseEverySplit<ImapAuthenticateCommand>("a AUTHENTICATE PLAIN =\r\n").InitialResponse);

    [Fact]
    public void Authenticate_WithoutInitialResponse_IsNull() =>
        Assert.Null(ParseEverySplit<ImapAuthenticateCommand>("a AUTHENTICATE plain\r\n").InitialResponse);

    [Fact]
    public void Authenticate_WithBrokenBase64_IsBad() => Bad("a AUTHENTICATE PLAIN abc*\r\n");

    [Fact]
    public void Rfc5161_Enable() =>
        Assert.Equal(["CONDSTORE", "X-GOOD-IDEA"], ParseEverySplit<ImapEnableCommand>("t2 ENABLE CONDSTORE X-GOOD-IDEA\r\n").Capabilities);

    [Fact]
    public void Rfc2971_Id_WithParameters()
    {
        var command = ParseEverySplit<ImapIdCommand>("a023 ID (\"name\" \"sodr\" \"version\" \"19.34\" \"vendor\" NIL)\r\n");
        Assert.Equal(3, command.Parameters!.Count);
        Assert.Null(command.Parameters[2].Value);
    }

    [Fact]
    public void Rfc2971_IdNil() => Assert.Null(ParseEverySplit<ImapIdCommand>("a ID NIL\r\n").Parameters);

    [Fact]
    public void Rfc9051_SelectInbox_IsCaseInsensitive() =>
        Assert.Equal("INBOX", ParseEverySplit<ImapSelectCommand>("A142 SELECT inbox\r\n").Mailbox);

    [Fact]
    public void Rfc7162_SelectWithCondstore() =>
        Assert.True(ParseEverySplit<ImapSelectCommand>("a SELECT INBOX (CONDSTORE)\r\n").CondStore);

    [Fact]
    public void Rfc7162_SelectWithQresync_FullForm()
    {
        var command = ParseEverySplit<ImapSelectCommand>("A02 SELECT INBOX (QRESYNC (67890007 90060115194045000 41:211,214:541 (1:10 5:50)))\r\n");
        var q = command.Qresync!;
        Assert.Equal(67890007u, q.UidValidity);
        Assert.Equal(90060115194045000ul, q.ModSeq);
        Assert.Equal("41:211,214:541", q.KnownUids!.ToString());
        Assert.Equal("1:10", q.KnownSequenceNumbers!.ToString());
        Assert.Equal("5:50", q.KnownSequenceUids!.ToString());
    }

    [Fact]
    public void Rfc7162_SelectWithQresync_Minimal() =>
        Assert.Null(ParseEverySplit<ImapSelectCommand>("B01 EXAMINE INBOX (QRESYNC (67890007 90060115194045000))\r\n").Qresync!.KnownUids);

    [Fact]
    public void Rfc6154_CreateSpecialUse()
    {
        var command = ParseEverySplit<ImapCreateCommand>("t1 CREATE \"Important Messages\" (USE (\\flagged))\r\n");
        Assert.Equal("Important Messages", command.Mailbox);
        Assert.Equal([ImapSpecialUse.Flagged], command.SpecialUse);
    }

    [Fact]
    public void Rfc9051_RenameAndDelete()
    {
        var rename = ParseEverySplit<ImapRenameCommand>("A683 RENAME blurdybloop sarasoop\r\n");
        Assert.Equal(("blurdybloop", "sarasoop"), (rename.From, rename.To));
        Assert.Equal("DELETE", ParseEverySplit<ImapMailboxCommand>("A682 DELETE blurdybloop\r\n").Name);
        Assert.Equal("SUBSCRIBE", ParseEverySplit<ImapMailboxCommand>("A002 SUBSCRIBE #news.comp.mail.mime\r\n").Name);
    }

    [Fact]
    public void Rfc9051_ListWithEmptyReferenceAndWildcard()
    {
        var command = ParseEverySplit<ImapListCommand>("A101 LIST \"\" *\r\n");
        Assert.Equal(string.Empty, command.Reference);
        Assert.Equal(["*"], command.Patterns);
        Assert.False(command.IsExtended);
    }

    [Fact]
    public void Rfc5258_ListExtended_SelectionPatternsAndReturn()
    {
        var command = ParseEverySplit<ImapListCommand>("A04 LIST (SUBSCRIBED RECURSIVEMATCH) \"\" (\"%\" foo/*) RETURN (CHILDREN SPECIAL-USE STATUS (MESSAGES UNSEEN))\r\n");
        Assert.Equal(ImapListSelection.Subscribed | ImapListSelection.RecursiveMatch, command.Selection);
        Assert.Equal(["%", "foo/*"], command.Patterns);
        Assert.Equal(ImapListReturn.Children | ImapListReturn.SpecialUse | ImapListReturn.Status, command.Return);
        Assert.Equal([ImapStatusItem.Messages, ImapStatusItem.Unseen], command.StatusItems);
        Assert.True(command.IsExtended);
    }

    [Fact]
    public void Rfc5258_RecursiveMatchAlone_IsBad() => Bad("A LIST (RECURSIVEMATCH) \"\" *\r\n");

    [Fact]
    public void Rfc9051_Lsub() => Assert.True(ParseEverySplit<ImapListCommand>("A002 LSUB \"#news.\" \"comp.mail.*\"\r\n").IsLsub);

    [Fact]
    public void Rfc9051_Status() =>
        Assert.Equal(
            [ImapStatusItem.UidNext, ImapStatusItem.Messages, ImapStatusItem.Size, ImapStatusItem.HighestModSeq],
            ParseEverySplit<ImapStatusCommand>("A042 STATUS blurdybloop (UIDNEXT MESSAGES SIZE HIGHESTMODSEQ)\r\n").Items);

    [Fact]
    public void Rfc9051_AppendWithFlagsAndDate()
    {
        var message = "Date: Mon, 7 Feb 1994 21:52:25 -0800 (PST)\r\nSubject: afternoon meeting\r\n\r\nHello Joe\r\n";
        var command = ParseEverySplit<ImapAppendCommand>($"A003 APPEND saved-messages (\\Seen) \"07-Feb-1994 21:52:25 -0800\" {{{message.Length}}}\r\n{message}\r\n");
        var appended = Assert.Single(command.Messages);
        Assert.Equal([ImapFlags.Seen], appended.Flags);
        Assert.Equal(new DateTimeOffset(1994, 2, 7, 21, 52, 25, TimeSpan.FromHours(-8)), appended.InternalDate);
        Assert.Equal(message, Encoding.ASCII.GetString(appended.Data.Span));
    }

    [Fact]
    public void Rfc3502_MultiAppend()
    {
        var command = ParseEverySplit<ImapAppendCommand>("A003 APPEND saved {3+}\r\none (\\Draft) \" 1-Jan-2024 00:00:00 +0000\" {3+}\r\ntwo ~{3+}\r\nt\0o\r\n");
        Assert.Equal(3, command.Messages.Count);
        Assert.Equal([ImapFlags.Draft], command.Messages[1].Flags);
        Assert.True(command.Messages[2].IsBinary);
    }

    [Fact]
    public void Append_WithoutLiteral_IsBad() => Bad("A APPEND INBOX \"not a literal\"\r\n");

    [Fact]
    public void Rfc9051_FetchMacros()
    {
        Assert.Equal(4, ParseEverySplit<ImapFetchCommand>("a FETCH 1:* ALL\r\n").Items.Count);
        Assert.Equal(3, ParseEverySplit<ImapFetchCommand>("a FETCH 1 FAST\r\n").Items.Count);
        Assert.Contains(ImapFetchItem.Body, ParseEverySplit<ImapFetchCommand>("a FETCH 1 full\r\n").Items);
    }

    [Fact]
    public void Rfc9051_FetchExample_SectionsAndPartial()
    {
        var command = ParseEverySplit<ImapFetchCommand>("A654 FETCH 2:4 (FLAGS BODY[HEADER.FIELDS (DATE FROM)] BODY.PEEK[1.2.MIME] BODY[]<0.2048> BINARY.PEEK[1]<10.5> BINARY.SIZE[2] RFC822.SIZE MODSEQ)\r\n");
        Assert.Equal("2:4", command.Set.ToString());
        Assert.Equal("BODY[HEADER.FIELDS (DATE FROM)]", command.Items[1].ResponseName);
        Assert.False(command.Items[1].Peek);
        Assert.Equal("BODY[1.2.MIME]", command.Items[2].ResponseName);
        Assert.True(command.Items[2].Peek);
        Assert.Equal("BODY[]<0>", command.Items[3].ResponseName);
        Assert.Equal(new ImapPartial(0, 2048), command.Items[3].Partial);
        Assert.Equal("BINARY[1]<10>", command.Items[4].ResponseName);
        Assert.Equal("BINARY.SIZE[2]", command.Items[5].ResponseName);
        Assert.Equal(ImapFetchItemKind.ModSeq, command.Items[7].Kind);
    }

    [Fact]
    public void Rfc9051_FetchHeaderFieldsNotAndText()
    {
        var command = ParseEverySplit<ImapFetchCommand>("a FETCH 1 (BODY[3.HEADER.FIELDS.NOT (received)] BODY[TEXT] BODY[4.2.TEXT] RFC822.HEADER BODYSTRUCTURE)\r\n");
        Assert.Equal("BODY[3.HEADER.FIELDS.NOT (RECEIVED)]", command.Items[0].ResponseName);
        Assert.Equal("BODY[TEXT]", command.Items[1].ResponseName);
        Assert.Equal("BODY[4.2.TEXT]", command.Items[2].ResponseName);
    }

    [Fact]
    public void Rfc7162_UidFetchChangedSinceVanished()
    {
        var command = ParseEverySplit<ImapFetchCommand>("s100 UID FETCH 300:500 (FLAGS) (CHANGEDSINCE 12345 VANISHED)\r\n");
        Assert.True(command.Uid);
        Assert.Equal(12345ul, command.ChangedSince);
        Assert.True(command.Vanished);
    }

    [Fact]
    public void Rfc7162_VanishedWithoutUid_IsBad() => Bad("s FETCH 1 (FLAGS) (CHANGEDSINCE 1 VANISHED)\r\n");

    [Theory]
    [InlineData("a FETCH 1 (BODY[MIME])\r\n")]
    [InlineData("a FETCH 1 (BODY[1.0])\r\n")]
    [InlineData("a FETCH 1 (BODY[]<1>)\r\n")]
    [InlineData("a FETCH 1 (BODY[]<0.0>)\r\n")]
    [InlineData("a FETCH 1 (FLAGS\r\n")]
    [InlineData("a FETCH 0 FLAGS\r\n")]
    [InlineData("a FETCH 1 BOGUS\r\n")]
    [InlineData("a FETCH 1 (BODY[HEADER.FIELDS ()])\r\n")]
    public void Fetch_Malformed_IsBad(string text) => Bad(text);

    [Fact]
    public void Rfc9051_StoreAddFlags()
    {
        var command = ParseEverySplit<ImapStoreCommand>("A003 STORE 2:4 +FLAGS (\\Deleted)\r\n");
        Assert.Equal(ImapStoreMode.Add, command.Mode);
        Assert.Equal([ImapFlags.Deleted], command.Flags);
    }

    [Fact]
    public void Rfc7162_StoreUnchangedSince_SilentWithoutParens()
    {
        var command = ParseEverySplit<ImapStoreCommand>("d105 UID STORE 7,5,9 (UNCHANGEDSINCE 320162338) -FLAGS.SILENT \\Deleted $Junk\r\n");
        Assert.Equal(320162338ul, command.UnchangedSince);
        Assert.Equal(ImapStoreMode.Remove, command.Mode);
        Assert.True(command.Silent);
        Assert.Equal([ImapFlags.Deleted, "$Junk"], command.Flags);
    }

    [Fact]
    public void Store_Recent_IsBad() => Bad("a STORE 1 +FLAGS (\\Recent)\r\n");

    [Fact]
    public void Rfc6851_UidMove_And_Rfc4315_UidExpunge()
    {
        var move = ParseEverySplit<ImapCopyCommand>("a UID MOVE 42:69 foo\r\n");
        Assert.True(move.IsMove && move.Uid);
        Assert.Equal("3000:3002", ParseEverySplit<ImapExpungeCommand>("A003 UID EXPUNGE 3000:3002\r\n").Uids!.ToString());
        Assert.Null(ParseEverySplit<ImapExpungeCommand>("A202 EXPUNGE\r\n").Uids);
        Assert.False(ParseEverySplit<ImapCopyCommand>("A003 COPY 2:4 MEETING\r\n").IsMove);
    }

    [Fact]
    public void Rfc9208_QuotaCommands()
    {
        Assert.Equal("GETQUOTAROOT", ParseEverySplit<ImapMailboxCommand>("A142 GETQUOTAROOT INBOX\r\n").Name);
        Assert.Equal(string.Empty, ParseEverySplit<ImapGetQuotaCommand>("G0001 GETQUOTA \"\"\r\n").Root);
        var set = ParseEverySplit<ImapSetQuotaCommand>("S0000 SETQUOTA \"\" (STORAGE 512)\r\n");
        Assert.Equal(new KeyValuePair<string, ulong>("STORAGE", 512), Assert.Single(set.Limits));
    }

    [Fact]
    public void SequenceSets_WithStarAndSavedResult()
    {
        var set = ParseEverySplit<ImapFetchCommand>("a FETCH 1,3:*,*:7 FLAGS\r\n").Set;
        Assert.True(set.Contains(3, 10));
        Assert.False(set.Contains(2, 10));
        Assert.Equal([1u, 3, 4, 5], set.Expand(5));
        Assert.True(ParseEverySplit<ImapFetchCommand>("a FETCH $ FLAGS\r\n").Set.IsSavedResult);
    }

    [Fact]
    public void Rfc9051_SearchExamples()
    {
        var command = ParseEverySplit<ImapSearchCommand>("A282 SEARCH FLAGGED SINCE 1-Feb-1994 NOT FROM \"Smith\"\r\n");
        var and = Assert.IsType<ImapSearchAnd>(command.Key);
        Assert.Equal(new ImapSearchFlag(ImapFlags.Flagged, true), and.Keys[0]);
        Assert.Equal(new ImapSearchDate(ImapSearchDateField.Internal, ImapSearchDateComparison.Since, new DateOnly(1994, 2, 1)), and.Keys[1]);
        Assert.Equal(new ImapSearchNot(new ImapSearchHeader("From", "Smith")), and.Keys[2]);
    }

    [Fact]
    public void Rfc9051_SearchWithCharsetLiteral()
    {
        var command = ParseEverySplit<ImapSearchCommand>("A284 SEARCH CHARSET UTF-8 TEXT {12}\r\n\u0445\u043e\u0440\u043e\u0448\u043e\r\n");
        Assert.Equal(new ImapSearchText(ImapSearchTextScope.Text, "\u0445\u043e\u0440\u043e\u0448\u043e"), command.Key);
    }

    [Fact]
    public void Search_Iso88591Charset_DecodesLiteral()
    {
        var frame = new ImapCommandFrame("a", ["a SEARCH CHARSET ISO-8859-1 SUBJECT {1}"u8.ToArray(), Array.Empty<byte>()], [new ImapLiteral(new byte[] { 0xE9 }, false, false)]);
        var command = Assert.IsType<ImapSearchCommand>(ImapCommandParser.Parse(frame).Command);
        Assert.Equal(new ImapSearchHeader("Subject", "\u00e9"), command.Key);
    }

    [Fact]
    public void Search_UnknownCharset_IsNoBadCharset()
    {
        var result = Bad("a SEARCH CHARSET X-NOPE TEXT x\r\n");
        Assert.Equal(ImapStatus.No, result.ErrorStatus);
        Assert.StartsWith("BADCHARSET", result.ErrorCode);
    }

    [Fact]
    public void Search_EveryRfc3501Key_Parses()
    {
        var command = ParseEverySplit<ImapSearchCommand>(
            "a UID SEARCH ALL ANSWERED BCC b BEFORE 1-Jan-2000 BODY x CC c DELETED DRAFT FLAGGED FROM f HEADER X-A v KEYWORD $k LARGER 10 NEW NOT SEEN OLD ON \"2-Feb-2001\" OR RECENT UNSEEN SENTBEFORE 1-Jan-2000 SENTON 1-Jan-2000 SENTSINCE 1-Jan-2000 SINCE 1-Jan-2000 SMALLER 100 SUBJECT s TEXT t TO o UID 1:5 UNANSWERED UNDELETED UNDRAFT UNFLAGGED UNKEYWORD $k UNSEEN 1:3,5 (SEEN DELETED) MODSEQ 620162338 MODSEQ \"/flags/\\\\draft\" all 620162338 OLDER 60 YOUNGER 60\r\n");
        Assert.True(command.Uid);
        Assert.Equal(39, Assert.IsType<ImapSearchAnd>(command.Key).Keys.Count);
    }

    [Fact]
    public void Rfc4731_SearchReturnOptions()
    {
        var command = ParseEverySplit<ImapSearchCommand>("A282 SEARCH RETURN (MIN COUNT SAVE) FLAGGED\r\n");
        Assert.Equal(ImapSearchReturn.Min | ImapSearchReturn.Count | ImapSearchReturn.Save, command.Return);
        Assert.True(command.IsExtended);
        Assert.Equal(ImapSearchReturn.All, ParseEverySplit<ImapSearchCommand>("a SEARCH RETURN () ALL\r\n").Return);
    }

    [Fact]
    public void Rfc5256_SortExample()
    {
        var command = ParseEverySplit<ImapSortCommand>("A283 SORT (SUBJECT REVERSE DATE) UTF-8 ALL\r\n");
        Assert.Equal([new ImapSortCriterion(ImapSortKey.Subject, false), new ImapSortCriterion(ImapSortKey.Date, true)], command.Criteria);
        Assert.Equal("UTF-8", command.Charset);
    }

    [Fact]
    public void Rfc5256_ThreadExamples()
    {
        Assert.Equal(ImapThreadAlgorithm.OrderedSubject, ParseEverySplit<ImapThreadCommand>("A283 THREAD ORDEREDSUBJECT UTF-8 SINCE 5-MAR-2000\r\n").Algorithm);
        Assert.Equal(ImapThreadAlgorithm.References, ParseEverySplit<ImapThreadCommand>("A284 THREAD REFERENCES US-ASCII TEXT \"gewp\"\r\n").Algorithm);
    }

    [Fact]
    public void TenThousandNestedParens_IsBadInBoundedTime()
    {
        var text = "A1 SEARCH " + new string('(', 10_000) + "ALL" + new string(')', 10_000) + "\r\n";
        var watch = Stopwatch.StartNew();
        var result = Bad(text);
        Assert.Contains("nested", result.Error);
        Assert.True(watch.ElapsedMilliseconds < 5000, "not bounded: " + watch.Elapsed);
    }

    [Fact]
    public void TenThousandNots_IsBadInBoundedTime()
    {
        var text = "A1 SEARCH " + string.Concat(Enumerable.Repeat("NOT ", 10_000)) + "ALL\r\n";
        Assert.Contains("nested", Bad(text).Error);
    }

    [Fact]
    public void NestedParensInFetch_AreBadAtOnce() => Bad("A1 FETCH 1 " + new string('(', 10_000) + "\r\n");

    [Fact]
    public void NulInQuotedString_IsBad() => Bad("a LOGIN \"a\0b\" c\r\n");

    [Fact]
    public void EightBitInQuotedString_IsBadWithoutUtf8Accept() => Bad("a LOGIN \"j\u00f6rg\" c\r\n");

    [Fact]
    public void EightBitInQuotedString_IsAcceptedAfterUtf8Accept() =>
        Assert.Equal("j\u00f6rg", ParseEverySplit<ImapLoginCommand>("a LOGIN \"j\u00f6rg\" c\r\n", new ImapParserOptions(Utf8Enabled: true)).UserName);

    [Fact]
    public void InvalidUtf8InQuotedString_IsBadEvenAfterUtf8Accept()
    {
        var frame = new ImapCommandFrame("a", [new byte[] { (byte)'a', (byte)' ', (byte)'L', (byte)'O', (byte)'G', (byte)'I', (byte)'N', (byte)' ', (byte)'"', 0xC3, (byte)'"', (byte)' ', (byte)'c' }], []);
        Assert.False(ImapCommandParser.Parse(frame, new ImapParserOptions(Utf8Enabled: true)).Success);
    }

    [Fact]
    public void NulInLiteralString_IsBad() => Bad("a LOGIN {3+}\r\na\0b c\r\n");

    [Fact]
    public void BinaryLiteralAsString_IsBad() => Bad("a LOGIN ~{1+}\r\na c\r\n");

    [Fact]
    public void BadEscapeInQuotedString_IsBad() => Bad("a LOGIN \"a\\nb\" c\r\n");

    [Theory]
    [InlineData("* NOOP\r\n")]
    [InlineData("a\r\n")]
    [InlineData("a FROB\r\n")]
    [InlineData("a UID LOGIN x y\r\n")]
    [InlineData("a NOOP extra\r\n")]
    [InlineData("a LOGIN onlyone\r\n")]
    [InlineData("a SELECT INBOX (FOO)\r\n")]
    [InlineData("a STATUS INBOX (BOGUS)\r\n")]
    [InlineData("a SEARCH BEFORE 31-Feb-2000\r\n")]
    [InlineData("a SEARCH LARGER 99999999999999999999999\r\n")]
    [InlineData("a APPEND INBOX (\\Seen) \"99-Feb-1994 21:52:25 -0800\" {1+}\r\nx\r\n")]
    public void Malformed_IsBadWithReason(string text) => Bad(text);

    [Fact]
    public void BadCarriesTheTag() => Assert.Equal("A7", Bad("A7 FETCH\r\n").Tag);
}

public sealed class ImapSequenceSetTests
{
    [Fact]
    public void HundredThousandOverlappingRanges_ExpandInBoundedTime()
    {
        var set = new ImapSequenceSet(Enumerable.Repeat(new ImapSequenceRange(1, ImapSequenceRange.Star), 100_000).ToArray());
        var watch = System.Diagnostics.Stopwatch.StartNew();
        Assert.Equal(100_000, set.Expand(100_000).Count);
        var matcher = set.CreateMatcher(100_000);
        Assert.True(matcher.Contains(77_777));
        Assert.True(watch.ElapsedMilliseconds < 10_000, "not bounded: " + watch.Elapsed);
    }

    [Fact]
    public void Matcher_AgreesWithContains()
    {
        var set = new ImapSequenceSet([new(5, 3), new(10, 12), new(ImapSequenceRange.Star, 20), new(13, 13)]);
        var matcher = set.CreateMatcher(25);
        for (uint n = 0; n < 30; n++)
        {
            Assert.Equal(set.Contains(n, 25), matcher.Contains(n));
        }

        Assert.Equal([3u, 4, 5, 10, 11, 12, 13, 20, 21, 22, 23, 24, 25], set.Expand(25));
    }
}
