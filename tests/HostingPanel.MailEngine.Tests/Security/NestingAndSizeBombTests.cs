using System.Diagnostics;
using System.Text;

namespace HostingPanel.MailEngine.Tests.Security;

/// <summary>
/// Nesting and size bombs: deep parentheses in a command (CVE-2026-42006 class), deep MIME trees
/// (MimeKit #355, a StackOverflowException that kills the process), 100,000 address header lines
/// (CVE-2024-23184 class, quadratic time), RFC 2231 parameter floods. Each is answered in bounded
/// time, the session still answers and a second connection works: the process stayed up.
/// </summary>
public sealed class NestingAndSizeBombTests(ITestOutputHelper output)
{
    // Generous: a linear pass over these inputs takes well under a second; quadratic ones take minutes.
    private const int ReplyTimeoutMs = 60_000;

    [Theory]
    [InlineData("SEARCH {0}ALL{1}")]
    [InlineData("FETCH 1 {0}FLAGS{1}")]
    [InlineData("STORE 1 +FLAGS {0}\\Seen{1}")]
    [InlineData("APPEND INBOX {0}\\Seen{1} {{5+}}\r\nab\r\nc")]
    [InlineData("LIST \"\" \"*\" RETURN {0}CHILDREN{1}")]
    public async Task TenThousandNestedParentheses_AreBad_AndTheServerStaysUp(string template)
    {
        await using var engine = await EngineHost.StartAsync();
        await engine.CreateMailboxAsync("lit@example.com");
        await using var c = await ImapLiteralDesyncTests.LoggedInAsync(engine);
        Assert.StartsWith("s1 OK", (await c.ImapAsync("s1", "SELECT INBOX")).Last());

        var command = string.Format(template, new string('(', 10_000), new string(')', 10_000));
        var watch = Stopwatch.StartNew();
        var answer = await c.ImapAsync("n1", command, ReplyTimeoutMs);
        output.WriteLine($"{template}: {answer.Last()[..Math.Min(80, answer.Last().Length)]} in {watch.ElapsedMilliseconds} ms");
        Assert.Matches("^n1 (BAD|NO) ", answer.Last());
        await AssertAliveAsync(engine, c);
    }

    [Theory]
    [InlineData("multipart")]
    [InlineData("rfc822")]
    public async Task ThousandNestedMimeParts_ViaSmtpAndAppend_FetchAndSearchAnswer(string kind)
    {
        await using var engine = await EngineHost.StartAsync();
        var account = await engine.CreateMailboxAsync("lit@example.com");
        var message = kind == "multipart" ? NestedMultipart(1000) : NestedRfc822(1000);

        await DeliverBySmtpAsync(engine, "lit@example.com", message);
        await using var c = await ImapLiteralDesyncTests.LoggedInAsync(engine);
        var append = await c.ImapAsync("a1", $"APPEND INBOX {{{Encoding.ASCII.GetByteCount(message)}+}}\r\n{message}");
        Assert.StartsWith("a1 OK", append.Last());
        Assert.StartsWith("s1 OK", (await c.ImapAsync("s1", "SELECT INBOX")).Last());

        var watch = Stopwatch.StartNew();
        var fetch = await c.ImapAsync("f1", "FETCH 1:2 (BODYSTRUCTURE ENVELOPE BODY.PEEK[1.1.1.1.1.1.1.1] BODY.PEEK[HEADER])", ReplyTimeoutMs);
        var fetchMs = watch.ElapsedMilliseconds;
        Assert.StartsWith("f1 OK", fetch.Last());
        Assert.Equal(2, fetch.Count(l => l.Contains("BODYSTRUCTURE")));
        watch.Restart();
        Assert.StartsWith("f2 OK", (await c.ImapAsync("f2", "SEARCH TEXT deepest", ReplyTimeoutMs)).Last());
        output.WriteLine($"{kind} x1000: FETCH BODYSTRUCTURE {fetchMs} ms, SEARCH TEXT {watch.ElapsedMilliseconds} ms");
        await AssertAliveAsync(engine, c);
    }

    [Fact]
    public async Task ThousandNestedParts_SubmittedForRelay_AreRelayedWithoutRecursingThemAll()
    {
        await using var relay = new Smtp.FakeSmtpRelay();
        await using var engine = await EngineHost.StartAsync(new()
        {
            ["Mail:Relay:Host"] = "127.0.0.1",
            ["Mail:Relay:Port"] = relay.Port.ToString(),
            ["Mail:Relay:Security"] = "None",
        });
        await engine.CreateMailboxAsync("adam@example.com");
        var message = NestedRfc822(1000).Replace("From: a@example.org", "From: adam@example.com");
        await using (var c = await RawLineClient.ConnectAsync(engine.SubmissionPort))
        {
            Assert.StartsWith("220", await c.ReadSmtpReplyAsync());
            Assert.StartsWith("250", await c.SmtpAsync("EHLO client.example"));
            Assert.StartsWith("220", await c.SmtpAsync("STARTTLS"));
            await c.StartTlsAsync();
            Assert.StartsWith("250", await c.SmtpAsync("EHLO client.example"));
            var auth = Convert.ToBase64String(Encoding.UTF8.GetBytes($"\0adam@example.com\0{EngineHost.Password}"));
            Assert.StartsWith("235", await c.SmtpAsync("AUTH PLAIN " + auth));
            Assert.StartsWith("250", await c.SmtpAsync("MAIL FROM:<adam@example.com>"));
            Assert.StartsWith("250", await c.SmtpAsync("RCPT TO:<someone@elsewhere.example>"));
            Assert.StartsWith("354", await c.SmtpAsync("DATA"));
            await c.SendAsync(message + ".\r\n");
            var reply = await c.ReadSmtpReplyAsync(ReplyTimeoutMs);
            Assert.True(reply?.StartsWith("250") == true, reply);
        }
        await Smtp.SmtpTestKit.EventuallyAsync(() => Task.FromResult(relay.Accepted.Count == 1), "the relay received the message");
        Assert.Contains("Subject: level 999", relay.Accepted[0].Data);
        await using var fresh = await ImapLiteralDesyncTests.LoggedInAsync(engine, "adam@example.com");
        Assert.StartsWith("z2 OK", (await fresh.ImapAsync("z2", "NOOP")).Last());
    }

    [Theory]
    [InlineData("separate")]   // 100,000 To: fields
    [InlineData("folded")]     // one To: field folded over 100,000 lines
    public async Task HundredThousandAddressLines_AreLinear(string shape)
    {
        await using var engine = await EngineHost.StartAsync();
        await engine.CreateMailboxAsync("lit@example.com");
        var sb = new StringBuilder("From: a@example.org\r\nSubject: addresses\r\n");
        if (shape == "separate")
        {
            for (var i = 0; i < 100_000; i++)
                sb.Append("To: u").Append(i).Append("@example.net\r\n");
        }
        else
        {
            sb.Append("To: u0@example.net");
            for (var i = 1; i < 100_000; i++)
                sb.Append(",\r\n u").Append(i).Append("@example.net");
            sb.Append("\r\n");
        }
        sb.Append("\r\nbody\r\n");

        var message = sb.ToString();
        var watch = Stopwatch.StartNew();
        if (shape == "folded")
        {
            // One 2.3 MB field: refused at the door (MessageHeaderLimit), by SMTP and by APPEND alike.
            var reply = await SendBySmtpAsync(engine, "lit@example.com", message);
            Assert.True(reply?.StartsWith("554 5.6.0") == true, reply);
            await using var a = await ImapLiteralDesyncTests.LoggedInAsync(engine);
            var append = await a.ImapAsync("a1", $"APPEND INBOX {{{message.Length}+}}\r\n{message}", ReplyTimeoutMs);
            Assert.StartsWith("a1 NO [LIMIT]", append.Last());
            output.WriteLine($"{shape}: refused by SMTP and APPEND in {watch.ElapsedMilliseconds} ms");
            await AssertAliveAsync(engine, a);
            return;
        }

        await DeliverBySmtpAsync(engine, "lit@example.com", message);
        var deliverMs = watch.ElapsedMilliseconds;
        await using var c = await ImapLiteralDesyncTests.LoggedInAsync(engine);
        Assert.StartsWith("s1 OK", (await c.ImapAsync("s1", "SELECT INBOX")).Last());
        watch.Restart();
        Assert.StartsWith("f1 OK", (await c.ImapAsync("f1", "FETCH 1 (ENVELOPE BODYSTRUCTURE)", ReplyTimeoutMs)).Last());
        var fetchMs = watch.ElapsedMilliseconds;
        watch.Restart();
        var search = await c.ImapAsync("f2", "SEARCH TO u99999@example.net", ReplyTimeoutMs);
        Assert.StartsWith("f2 OK", search.Last());
        output.WriteLine($"{shape}: SMTP delivery {deliverMs} ms, FETCH ENVELOPE {fetchMs} ms, SEARCH TO {watch.ElapsedMilliseconds} ms");
        await AssertAliveAsync(engine, c);
    }

    [Theory]
    [InlineData("continuations")]   // name*0*= ... name*9999*=
    [InlineData("sparse")]          // indexes far apart: a naive array by index would be huge
    [InlineData("many")]            // 10,000 distinct parameters
    public async Task Rfc2231ParameterFloods_AreBounded(string shape)
    {
        await using var engine = await EngineHost.StartAsync();
        await engine.CreateMailboxAsync("lit@example.com");
        var parameters = new StringBuilder();
        for (var i = 0; i < 10_000; i++)
        {
            parameters.Append(";\r\n ").Append(shape switch
            {
                "continuations" => $"name*{i}*=utf-8''%C3%A9{i}",
                "sparse" => $"name*{i * 214_748}=x",
                _ => $"p{i}*=utf-8'en'%41",
            });
        }
        var message = "From: a@example.org\r\nSubject: params\r\nMIME-Version: 1.0\r\n" +
                      "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n" +
                      "Content-Type: application/octet-stream" + parameters + "\r\n" +
                      "Content-Disposition: attachment" + parameters + "\r\n\r\nAAAA\r\n--b--\r\n";
        await DeliverBySmtpAsync(engine, "lit@example.com", message);
        await using var c = await ImapLiteralDesyncTests.LoggedInAsync(engine);
        Assert.StartsWith("s1 OK", (await c.ImapAsync("s1", "SELECT INBOX")).Last());
        var watch = Stopwatch.StartNew();
        var fetch = await c.ImapAsync("f1", "FETCH 1 (BODYSTRUCTURE BODY.PEEK[1.MIME])", ReplyTimeoutMs);
        Assert.StartsWith("f1 OK", fetch.Last());
        output.WriteLine($"{shape}: FETCH BODYSTRUCTURE {watch.ElapsedMilliseconds} ms, {fetch.Sum(l => l.Length)} chars answered");
        await AssertAliveAsync(engine, c);
    }

    internal static string NestedMultipart(int depth)
    {
        var sb = new StringBuilder("From: a@example.org\r\nSubject: nested\r\nMIME-Version: 1.0\r\n");
        for (var i = 0; i < depth; i++)
            sb.Append("Content-Type: multipart/mixed; boundary=\"b").Append(i).Append("\"\r\n\r\n--b").Append(i).Append("\r\n");
        sb.Append("Content-Type: text/plain\r\n\r\ndeepest\r\n");
        for (var i = depth - 1; i >= 0; i--)
            sb.Append("--b").Append(i).Append("--\r\n");
        return sb.ToString();
    }

    internal static string NestedRfc822(int depth)
    {
        var sb = new StringBuilder();
        for (var i = 0; i < depth; i++)
            sb.Append("From: a@example.org\r\nSubject: level ").Append(i).Append("\r\nMIME-Version: 1.0\r\nContent-Type: message/rfc822\r\n\r\n");
        sb.Append("Subject: deepest\r\n\r\ndeepest\r\n");
        return sb.ToString();
    }

    internal static async Task DeliverBySmtpAsync(EngineHost engine, string rcpt, string message)
    {
        var reply = await SendBySmtpAsync(engine, rcpt, message);
        Assert.True(reply?.StartsWith("250") == true, reply);
    }

    internal static async Task<string?> SendBySmtpAsync(EngineHost engine, string rcpt, string message)
    {
        await using var c = await RawLineClient.ConnectAsync(engine.SmtpPort);
        Assert.StartsWith("220", await c.ReadSmtpReplyAsync());
        Assert.StartsWith("250", await c.SmtpAsync("EHLO client.example"));
        Assert.StartsWith("250", await c.SmtpAsync("MAIL FROM:<alice@example.org>"));
        Assert.StartsWith("250", await c.SmtpAsync($"RCPT TO:<{rcpt}>"));
        Assert.StartsWith("354", await c.SmtpAsync("DATA"));
        await c.SendAsync(message.EndsWith("\r\n") ? message : message + "\r\n");
        await c.SendAsync(".\r\n");
        return await c.ReadSmtpReplyAsync(ReplyTimeoutMs);
    }

    /// <summary>The same session answers, and a new connection logs in: nothing died.</summary>
    internal static async Task AssertAliveAsync(EngineHost engine, RawLineClient session)
    {
        Assert.StartsWith("z1 OK", (await session.ImapAsync("z1", "NOOP")).Last());
        await using var fresh = await ImapLiteralDesyncTests.LoggedInAsync(engine);
        Assert.StartsWith("z2 OK", (await fresh.ImapAsync("z2", "NOOP")).Last());
    }
}
