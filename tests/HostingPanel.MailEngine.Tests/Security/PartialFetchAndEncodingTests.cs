using System.Text;
using HostingPanel.MailEngine.Protocol.Imap;

namespace HostingPanel.MailEngine.Tests.Security;

/// <summary>
/// hMailServer #524: a FETCH partial that starts past the end of the part is an empty string, not
/// an error, a crash or bytes from elsewhere. dovecot/core PR #311: NUL and 8-bit bytes in quoted
/// strings and modified UTF-7 names are refused the same way everywhere (validator and converter agree).
/// </summary>
public sealed class PartialFetchAndEncodingTests
{
    [Fact]
    public async Task PartialFetch_BeyondThePart_IsAnEmptyString()
    {
        await using var engine = await EngineHost.StartAsync();
        var account = await engine.CreateMailboxAsync("lit@example.com");
        await engine.DeliverAsync(account, "Subject: small\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nsmall part\r\n--b--\r\n");
        await using var c = await ImapLiteralDesyncTests.LoggedInAsync(engine);
        Assert.StartsWith("s1 OK", (await c.ImapAsync("s1", "SELECT INBOX")).Last());

        foreach (var (item, answer) in new[]
        {
            ("BODY.PEEK[]<100000.10>", "BODY[]<100000> \"\""),
            ("BODY.PEEK[1]<11.5>", "BODY[1]<11> \"\""),
            ("BODY.PEEK[1]<4294967295.4294967295>", "BODY[1]<4294967295> \"\""),
            ("BODY.PEEK[TEXT]<99999.1>", "BODY[TEXT]<99999> \"\""),
            ("BODY.PEEK[HEADER]<5000.10>", "BODY[HEADER]<5000> \"\""),
            ("BINARY.PEEK[1]<500.10>", "BINARY[1]<500> \"\""),
        })
        {
            var lines = await c.ImapAsync("f1", "FETCH 1 (" + item + ")");
            Assert.StartsWith("f1 OK", lines.Last());
            // An empty string: "" or the empty literal {0}.
            var literal = answer.Replace("\"\"", "{0}");
            Assert.True(lines.Any(l => l.Contains(answer) || l.Contains(literal)), item + ": " + string.Join(" | ", lines));
        }

        // A partial inside the part still cuts exactly.
        var inside = await c.ImapAsync("f2", "FETCH 1 (BODY.PEEK[1]<6.4>)");
        Assert.Contains(inside, l => l.Contains("BODY[1]<6> {4}") || l.Contains("BODY[1]<6> \"part\""));
    }

    public static TheoryData<string> RefusedNames => new()
    {
        "a\0b",         // NUL in a quoted string
        "caf\u00e9",    // 8-bit in a quoted string without UTF8=ACCEPT
        "&AAA-",        // NUL in modified UTF-7
        "&AA0ACg-",     // CR LF in modified UTF-7
        "&AH8-",        // DEL
        "&AIU-",        // C1 NEL
        "&2D0-",        // unpaired high surrogate
        "&AGE-",        // printable ASCII base64-encoded: two spellings for "a"
        "&AOk-&AOk-",   // two runs in a row
        "&AOl-",        // leftover bits
    };

    [Theory]
    [MemberData(nameof(RefusedNames))]
    public async Task NulAnd8BitAndBadModifiedUtf7_AreRefusedByCreateRenameSelectAndTheCodec(string name)
    {
        // The codec: what it refuses, nobody creates; what it accepts, the validator accepts.
        var decodes = ImapModifiedUtf7.TryDecode(name, out var decoded, out _);
        var valid = ImapMailboxName.TryDecode(name, utf8Enabled: false, out _, out _);
        Assert.False(valid);
        if (decodes)
            Assert.False(ImapMailboxName.Validate(decoded, out _));

        await using var engine = await EngineHost.StartAsync();
        var account = await engine.CreateMailboxAsync("lit@example.com");
        await using var c = await ImapLiteralDesyncTests.LoggedInAsync(engine);
        var quoted = Encoding.UTF8.GetBytes(name.Replace("\\", "\\\\"));
        foreach (var (tag, verb) in new[] { ("c1", "CREATE "), ("c2", "RENAME Archive "), ("c3", "SELECT "), ("c4", "STATUS ") })
        {
            var suffix = verb == "STATUS " ? " (MESSAGES)" : "";
            await c.SendAsync([.. Encoding.ASCII.GetBytes(tag + " " + verb + "\""), .. quoted, .. Encoding.ASCII.GetBytes("\"" + suffix + "\r\n")]);
            Assert.Matches($"^{tag} (NO|BAD) ", (await c.ReadUntilTaggedAsync(tag)).Last());
        }
        var folders = (await engine.Store.ListFoldersAsync(account.Id)).Select(f => f.Name).Order(StringComparer.Ordinal);
        Assert.Equal(["Archive", "Drafts", "INBOX", "Junk", "Sent", "Trash"], folders);
        Assert.StartsWith("z1 OK", (await c.ImapAsync("z1", "NOOP")).Last());
    }

    [Fact]
    public void ValidatorAndConverter_Agree_OnEveryShortName()
    {
        // Every name of up to two characters drawn from the troublesome classes: encode, decode, validate.
        char[] alphabet = ['a', '&', '-', '/', '\0', '\r', '\n', '\u007f', '\u0085', '\u00e9', '\u4e2d', '\ud83d', '\ude00', '%', '.'];
        foreach (var a in alphabet)
        foreach (var b in alphabet)
        {
            var name = new string([a, b]);
            var wire = ImapModifiedUtf7.Encode(name);
            var validDirect = ImapMailboxName.Validate(name, out _);
            if (ImapModifiedUtf7.TryDecode(wire, out var back, out _))
                Assert.Equal(name, back);
            else
                Assert.False(validDirect, name); // only broken UTF-16 fails to round-trip, and it is invalid anyway
            var validFromWire = ImapMailboxName.TryDecode(wire, utf8Enabled: false, out _, out _);
            var validUtf8 = ImapMailboxName.TryDecode(name, utf8Enabled: true, out _, out _);
            Assert.Equal(validDirect, validFromWire);
            Assert.Equal(validDirect, validUtf8);
        }
    }

    [Fact]
    public async Task EightBitQuotedString_IsAcceptedOnlyAfterUtf8Accept_AndNulNever()
    {
        await using var engine = await EngineHost.StartAsync();
        var account = await engine.CreateMailboxAsync("lit@example.com");
        await using var c = await ImapLiteralDesyncTests.LoggedInAsync(engine);
        Assert.StartsWith("e1 OK", (await c.ImapAsync("e1", "ENABLE UTF8=ACCEPT")).Last());
        var created = await c.ImapAsync("e2", "CREATE \"caf\u00e9\"");
        Assert.True(created.Last().StartsWith("e2 OK"), string.Join(" | ", created));
        await c.SendAsync([.. "e3 CREATE \"caf\u00e9\0x\"\r\n"u8]);
        Assert.Matches("^e3 (NO|BAD) ", (await c.ReadUntilTaggedAsync("e3")).Last());
        // Invalid UTF-8 is refused even then.
        await c.SendAsync([.. "e4 CREATE \"caf"u8, 0xC3, 0x28, .. "\"\r\n"u8]);
        Assert.Matches("^e4 (NO|BAD) ", (await c.ReadUntilTaggedAsync("e4")).Last());
        var folders = (await engine.Store.ListFoldersAsync(account.Id)).Select(f => f.Name).ToList();
        // The store keeps names in their modified UTF-7 spelling.
        Assert.True(folders.Contains(ImapModifiedUtf7.Encode("caf\u00e9")), string.Join(" | ", folders));
        Assert.Equal(7, folders.Count);
    }
}
