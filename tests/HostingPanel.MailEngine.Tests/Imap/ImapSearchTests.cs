using System.Text;
using HostingPanel.MailEngine.Protocol.Imap;
using HostingPanel.MailEngine.Protocol.Imap.Commands;
using HostingPanel.MailEngine.Protocol.Imap.Search;
using MimeKit;
using Xunit;

namespace HostingPanel.MailEngine.Tests.Imap;

/// <summary>A message for search tests: flags and metadata in memory, content parsed from text.</summary>
internal sealed class TestMessage(uint sequence, uint uid, string raw, params string[] flags) : IImapSearchMessage
{
    private readonly HashSet<string> _flags = new(flags, StringComparer.OrdinalIgnoreCase);
    private ImapMimeMessageContent? _content;

    public uint SequenceNumber { get; } = sequence;

    public uint Uid { get; } = uid;

    public DateTimeOffset InternalDate { get; init; } = new(2024, 1, 15, 10, 0, 0, TimeSpan.Zero);

    public long Size { get; init; } = raw.Length;

    public ulong ModSeq { get; init; } = 1;

    public int ContentLoads { get; private set; }

    public bool HasFlag(string flag) => _flags.Contains(flag);

    public IImapMessageContent GetContent()
    {
        ContentLoads++;
        return _content ??= new ImapMimeMessageContent(MimeMessage.Load(new MemoryStream(Encoding.UTF8.GetBytes(raw))));
    }
}

public sealed class ImapSearchTests
{
    private static readonly TestMessage[] Messages =
    [
        new(1, 10, "From: Smith <smith@example.com>\r\nTo: a@example.com\r\nSubject: Hello world\r\nDate: Mon, 1 Jan 2024 10:00:00 +0000\r\n\r\nThe quick brown fox\r\n", ImapFlags.Seen, ImapFlags.Flagged)
        {
            InternalDate = new(2024, 1, 1, 23, 0, 0, TimeSpan.FromHours(-5)), Size = 100, ModSeq = 5,
        },
        new(2, 20, "From: =?utf-8?q?J=C3=B6rg?= <jorg@example.com>\r\nCc: x@example.com\r\nSubject: =?utf-8?q?=D1=85=D0=BE=D1=80=D0=BE=D1=88=D0=BE?=\r\nX-Custom: yes\r\n\r\nN\u00e4chste Woche\r\n", ImapFlags.Recent, "$Important")
        {
            InternalDate = new(2024, 2, 1, 0, 0, 0, TimeSpan.Zero), Size = 2000, ModSeq = 9,
        },
        new(3, 30, "From: other@example.com\r\nSubject: Re: Hello world\r\n\r\nnothing\r\n", ImapFlags.Deleted, ImapFlags.Answered, ImapFlags.Draft)
        {
            InternalDate = new(2024, 3, 1, 0, 0, 0, TimeSpan.Zero), Size = 50, ModSeq = 12,
        },
    ];

    private static uint[] Search(string criteria, IReadOnlySet<uint>? saved = null)
    {
        var command = Assert.IsType<ImapSearchCommand>(ImapCommandParser.Parse("a SEARCH " + criteria + "\r\n", new ImapParserOptions(Utf8Enabled: true)).Command);
        var context = new ImapSearchContext(3, 30, saved, new DateTimeOffset(2024, 3, 1, 0, 1, 0, TimeSpan.Zero));
        return ImapSearchEvaluator.Filter(command.Key, Messages, context).Select(m => m.SequenceNumber).ToArray();
    }

    [Theory]
    [InlineData("ALL", new uint[] { 1, 2, 3 })]
    [InlineData("SEEN", new uint[] { 1 })]
    [InlineData("UNSEEN", new uint[] { 2, 3 })]
    [InlineData("FLAGGED", new uint[] { 1 })]
    [InlineData("ANSWERED DELETED DRAFT", new uint[] { 3 })]
    [InlineData("UNANSWERED UNDELETED UNDRAFT UNFLAGGED", new uint[] { 2 })]
    [InlineData("RECENT", new uint[] { 2 })]
    [InlineData("NEW", new uint[] { 2 })]
    [InlineData("OLD", new uint[] { 1, 3 })]
    [InlineData("KEYWORD $important", new uint[] { 2 })]
    [InlineData("UNKEYWORD $Important", new uint[] { 1, 3 })]
    [InlineData("LARGER 99", new uint[] { 1, 2 })]
    [InlineData("SMALLER 100", new uint[] { 3 })]
    [InlineData("2:*", new uint[] { 2, 3 })]
    [InlineData("UID 20:25", new uint[] { 2 })]
    [InlineData("UID *", new uint[] { 3 })]
    [InlineData("MODSEQ 9", new uint[] { 2, 3 })]
    [InlineData("NOT SEEN", new uint[] { 2, 3 })]
    [InlineData("OR SEEN DELETED", new uint[] { 1, 3 })]
    [InlineData("(SEEN FLAGGED) (UID 1:10)", new uint[] { 1 })]
    public void Rfc9051_FlagAndMetadataKeys(string criteria, uint[] expected) => Assert.Equal(expected, Search(criteria));

    [Theory]
    [InlineData("FROM smith", new uint[] { 1 })]
    [InlineData("FROM SMITH@EXAMPLE", new uint[] { 1 })]
    [InlineData("FROM \"J\u00f6rg\"", new uint[] { 2 })]
    [InlineData("SUBJECT \"hello\"", new uint[] { 1, 3 })]
    [InlineData("SUBJECT \"\u0445\u043e\u0440\"", new uint[] { 2 })]
    [InlineData("CC x@", new uint[] { 2 })]
    [InlineData("TO a@example.com", new uint[] { 1 })]
    [InlineData("BCC a", new uint[0])]
    [InlineData("HEADER X-Custom yes", new uint[] { 2 })]
    [InlineData("HEADER X-Custom \"\"", new uint[] { 2 })]
    [InlineData("BODY fox", new uint[] { 1 })]
    [InlineData("BODY \"n\u00c4chste\"", new uint[] { 2 })]
    [InlineData("BODY Hello", new uint[0])]
    [InlineData("TEXT Hello", new uint[] { 1, 3 })]
    [InlineData("TEXT other@", new uint[] { 3 })]
    public void Rfc9051_HeaderAndTextKeys_AreCaseInsensitiveUtf8Substrings(string criteria, uint[] expected) =>
        Assert.Equal(expected, Search(criteria));

    [Theory]
    [InlineData("ON 1-Jan-2024", new uint[] { 1 })] // 23:00 -05:00 is still 1 Jan in its own zone
    [InlineData("BEFORE 1-Feb-2024", new uint[] { 1 })]
    [InlineData("SINCE 1-Feb-2024", new uint[] { 2, 3 })]
    [InlineData("SENTON 1-Jan-2024", new uint[] { 1 })]
    [InlineData("SENTSINCE 1-Feb-2024", new uint[] { 2, 3 })] // no Date: falls back to internal date
    [InlineData("SENTBEFORE 2-Jan-2024", new uint[] { 1 })]
    [InlineData("YOUNGER 120", new uint[] { 3 })]
    [InlineData("OLDER 120", new uint[] { 1, 2 })]
    public void Rfc9051_DateKeys_CompareByDayIgnoringTimeZone(string criteria, uint[] expected) => Assert.Equal(expected, Search(criteria));

    [Fact]
    public void Rfc5182_SavedResult() => Assert.Equal(new uint[] { 1, 3 }, Search("$", new HashSet<uint> { 10, 30 }));

    [Fact]
    public void FlagOnlySearch_NeverLoadsContent()
    {
        var message = new TestMessage(1, 1, "Subject: x\r\n\r\ny");
        ImapSearchEvaluator.Matches(new ImapSearchFlag(ImapFlags.Seen, false), message, new ImapSearchContext(1, 1, null, DateTimeOffset.UtcNow));
        Assert.Equal(0, message.ContentLoads);
    }
}

public sealed class ImapSortThreadTests
{
    [Theory]
    [InlineData("Re: [list] Fwd: Hello (fwd)", "HELLO")]
    [InlineData("[fwd: Re: Hello]", "HELLO")]
    [InlineData("RE:  re:   hello   world", "HELLO WORLD")]
    [InlineData("Fw: [blob] only", "ONLY")]
    [InlineData("[blob]", "[BLOB]")]
    [InlineData("Re[2]: hi", "HI")]
    [InlineData("  hi\t there  ", "HI THERE")]
    public void Rfc5256_BaseSubject(string subject, string expected) => Assert.Equal(expected, ImapBaseSubject.Extract(subject));

    [Fact]
    public void Rfc5256_BaseSubject_KnowsRepliesAndForwards()
    {
        ImapBaseSubject.Extract("Re: x", out var reply);
        ImapBaseSubject.Extract("x", out var original);
        Assert.True(reply);
        Assert.False(original);
    }

    private static TestMessage Msg(uint seq, string headers, int size = 10, int day = 1) =>
        new(seq, seq * 10, headers + "\r\n\r\nbody") { Size = size, InternalDate = new(2024, 1, day, 0, 0, 0, TimeSpan.Zero) };

    [Fact]
    public void Rfc5256_Sort_SubjectThenReverseDate()
    {
        var messages = new[]
        {
            Msg(1, "Subject: b\r\nDate: Mon, 1 Jan 2024 00:00:00 +0000"),
            Msg(2, "Subject: Re: a\r\nDate: Tue, 2 Jan 2024 00:00:00 +0000"),
            Msg(3, "Subject: a\r\nDate: Wed, 3 Jan 2024 00:00:00 +0000"),
            Msg(4, "Subject: B\r\nDate: Thu, 4 Jan 2024 00:00:00 +0000"),
        };
        var sorted = ImapSorter.Sort(messages, [new(ImapSortKey.Subject, false), new(ImapSortKey.Date, true)]);
        Assert.Equal(new uint[] { 3, 2, 4, 1 }, sorted.Select(m => m.SequenceNumber));
    }

    [Fact]
    public void Rfc5256_Sort_FromUsesMailboxAndTiesBreakBySequence()
    {
        var messages = new[]
        {
            Msg(1, "From: Zed <b@x>", size: 5),
            Msg(2, "From: Amy <c@x>", size: 5),
            Msg(3, "From: a@x", size: 1),
        };
        Assert.Equal(new uint[] { 3, 1, 2 }, ImapSorter.Sort(messages, [new(ImapSortKey.From, false)]).Select(m => m.SequenceNumber));
        Assert.Equal(new uint[] { 3, 2, 1 }, ImapSorter.Sort(messages, [new(ImapSortKey.DisplayFrom, false)]).Select(m => m.SequenceNumber));
        Assert.Equal(new uint[] { 3, 1, 2 }, ImapSorter.Sort(messages, [new(ImapSortKey.Size, false)]).Select(m => m.SequenceNumber));
        Assert.Equal(new uint[] { 1, 2, 3 }, ImapSorter.Sort(messages, [new(ImapSortKey.Size, true)]).Select(m => m.SequenceNumber));
    }

    private static IEnumerable<ImapThreadMessage> ThreadInput(params TestMessage[] messages) =>
        messages.Select(m => ImapThreadMessage.From(m, useUid: false));

    [Fact]
    public void Rfc5256_OrderedSubject()
    {
        var threads = ImapThreader.OrderedSubject(ThreadInput(
            Msg(1, "Subject: one\r\nDate: Mon, 1 Jan 2024 00:00:00 +0000"),
            Msg(2, "Subject: two\r\nDate: Tue, 2 Jan 2024 00:00:00 +0000"),
            Msg(3, "Subject: Re: one\r\nDate: Wed, 3 Jan 2024 00:00:00 +0000"),
            Msg(4, "Subject: re: two\r\nDate: Thu, 4 Jan 2024 00:00:00 +0000"),
            Msg(5, "Subject: one\r\nDate: Fri, 5 Jan 2024 00:00:00 +0000"),
            Msg(6, "Subject: three\r\nDate: Sat, 6 Jan 2024 00:00:00 +0000")));
        Assert.Equal("(1 (3)(5))(2 4)(6)", ImapThreader.Format(threads));
    }

    [Fact]
    public void Rfc5256_References_BuildsTreesAndMissingParents()
    {
        var threads = ImapThreader.References(ThreadInput(
            Msg(1, "Message-ID: <1@x>\r\nSubject: a\r\nDate: Mon, 1 Jan 2024 00:00:00 +0000"),
            Msg(2, "Message-ID: <2@x>\r\nReferences: <1@x>\r\nSubject: Re: a\r\nDate: Tue, 2 Jan 2024 00:00:00 +0000"),
            Msg(3, "Message-ID: <3@x>\r\nReferences: <1@x> <2@x>\r\nSubject: Re: a\r\nDate: Wed, 3 Jan 2024 00:00:00 +0000"),
            Msg(4, "Message-ID: <4@x>\r\nIn-Reply-To: <1@x>\r\nSubject: Re: a\r\nDate: Thu, 4 Jan 2024 00:00:00 +0000"),
            Msg(5, "Message-ID: <5@x>\r\nReferences: <missing@x>\r\nSubject: b\r\nDate: Fri, 5 Jan 2024 00:00:00 +0000"),
            Msg(6, "Message-ID: <6@x>\r\nReferences: <missing@x>\r\nSubject: Re: b\r\nDate: Sat, 6 Jan 2024 00:00:00 +0000"),
            Msg(7, "Subject: lonely\r\nDate: Sun, 7 Jan 2024 00:00:00 +0000")));
        Assert.Equal("(1 (2 3)(4))((5)(6))(7)", ImapThreader.Format(threads));
    }

    [Fact]
    public void Rfc5256_References_MergesRootsBySubject()
    {
        // No references at all, but a reply subject: the reply goes under the original.
        var threads = ImapThreader.References(ThreadInput(
            Msg(1, "Message-ID: <1@x>\r\nSubject: plan\r\nDate: Mon, 1 Jan 2024 00:00:00 +0000"),
            Msg(2, "Message-ID: <2@x>\r\nSubject: Re: plan\r\nDate: Tue, 2 Jan 2024 00:00:00 +0000"),
            Msg(3, "Message-ID: <3@x>\r\nSubject: plan\r\nDate: Wed, 3 Jan 2024 00:00:00 +0000")));
        Assert.Equal("((1 2)(3))", ImapThreader.Format(threads));
    }

    [Fact]
    public void Rfc5256_References_LoopsAndDuplicatesAreCut()
    {
        var threads = ImapThreader.References(ThreadInput(
            Msg(1, "Message-ID: <1@x>\r\nReferences: <2@x>\r\nSubject: a"),
            Msg(2, "Message-ID: <2@x>\r\nReferences: <1@x>\r\nSubject: b"),
            Msg(3, "Message-ID: <1@x>\r\nSubject: c")));
        var text = ImapThreader.Format(threads);
        foreach (var id in new[] { "1", "2", "3" })
        {
            Assert.Contains(id, text);
        }
    }

    [Fact]
    public void Rfc5256_References_TenThousandMessageReplyChain_NeedsNoDeepStack()
    {
        var start = new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var messages = Enumerable.Range(1, 10_000).Select(i => new ImapThreadMessage(
            (uint)i, (uint)i, "<" + i + "@x>", i == 1 ? [] : ["<" + (i - 1) + "@x>"], "Re: chain", start.AddMinutes(i)));
        var text = ImapThreader.Format(ImapThreader.References(messages));
        Assert.StartsWith("(1 2 3 ", text);
        Assert.EndsWith(" 9999 10000)", text);
    }

    [Fact]
    public void Rfc5256_References_DeepBranchingComb_FormatsWithoutRecursion()
    {
        // Message i answers i-2: two interleaved chains under message 1 and 2... formatted iteratively.
        var start = new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var messages = new List<ImapThreadMessage> { new(1, 1, "<1@x>", [], "comb", start) };
        for (var i = 2; i <= 20_000; i += 2)
        {
            messages.Add(new ImapThreadMessage((uint)i, (uint)i, "<" + i + "@x>", ["<" + (i - 1) + "@x>"], "comb", start.AddMinutes(i)));
            messages.Add(new ImapThreadMessage((uint)i + 1, (uint)i + 1, "<" + (i + 1) + "@x>", ["<" + (i - 1) + "@x>"], "comb", start.AddMinutes(i + 1)));
        }

        var text = ImapThreader.Format(ImapThreader.References(messages));
        Assert.StartsWith("(1 (2)(3 (4)(5 ", text);
    }
}
