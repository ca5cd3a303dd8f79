using System.Collections.Concurrent;
using System.Text;
using HostingPanel.MailEngine.Admin;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace HostingPanel.MailEngine.Tests.Security;

/// <summary>
/// cPanel CVE-2026-41940 class: CR, LF and NUL from a client never reach a log line, a file name, a
/// header or an SMTP command unescaped. The engine's real log output is captured while hostile
/// user names arrive on IMAP, POP3 and SMTP.
/// </summary>
public sealed class ControlCharacterInjectionTests
{
    private const string Forged = "evil\r\n2026-11-27 info: login succeeded for admin@example.com";

    [Fact]
    public async Task HostileUserNames_NeverReachALogLineUnescaped()
    {
        await using var engine = await EngineHost.StartAsync();
        await engine.CreateMailboxAsync("adam@example.com");
        var log = LogCapture.Attach(engine);

        // IMAP: a literal carries any byte, CR LF included.
        await using (var imap = await RawLineClient.ConnectAsync(engine.ImapPort))
        {
            await imap.ReadLineAsync();
            var user = Encoding.UTF8.GetBytes(Forged);
            await imap.SendAsync($"a1 LOGIN {{{user.Length}+}}\r\n{Forged} wrong\r\n");
            Assert.StartsWith("a1 NO", (await imap.ReadUntilTaggedAsync("a1")).Last());
            await imap.SendAsync("a3 LOGIN {5+}\r\nev\0il wrong\r\n");
            Assert.Matches("^a3 (NO|BAD)", (await imap.ReadUntilTaggedAsync("a3")).Last());
            var plain = Convert.ToBase64String(Encoding.UTF8.GetBytes($"\0{Forged}\0wrong"));
            Assert.StartsWith("a2 NO", (await imap.ImapAsync("a2", "AUTHENTICATE PLAIN " + plain)).Last());
        }

        // POP3: one line, but NUL and a bare CR fit in it.
        await using (var pop = await RawLineClient.ConnectAsync(engine.Pop3Port))
        {
            await pop.ReadLineAsync();
            await pop.SendAsync("USER evil\0\radmin forged\r\n");
            await pop.ReadLineAsync();
            await pop.SendAsync("PASS wrong\r\n");
            Assert.StartsWith("-ERR", await pop.ReadLineAsync());
        }

        // SMTP AUTH on submission (after STARTTLS) and a hostile envelope on the inbound listener.
        await using (var smtp = await RawLineClient.ConnectAsync(engine.SubmissionPort))
        {
            await smtp.ReadSmtpReplyAsync();
            await smtp.SmtpAsync("EHLO client.example");
            Assert.StartsWith("220", await smtp.SmtpAsync("STARTTLS"));
            await smtp.StartTlsAsync();
            await smtp.SmtpAsync("EHLO client.example");
            var plain = Convert.ToBase64String(Encoding.UTF8.GetBytes($"\0{Forged}\0wrong"));
            Assert.StartsWith("535", await smtp.SmtpAsync("AUTH PLAIN " + plain));
        }

        await Task.Delay(300);
        Assert.Contains(log.Lines, l => l.Contains("login failed", StringComparison.OrdinalIgnoreCase));
        foreach (var line in log.Lines)
        {
            Assert.False(line.IndexOfAny(['\r', '\n', '\0']) >= 0, "unescaped control character in log line: " + line.Replace("\r", "<CR>").Replace("\n", "<LF>").Replace("\0", "<NUL>"));
        }
    }

    [Theory]
    [InlineData("a\rb")]
    [InlineData("a\nb")]
    [InlineData("a\r\nb")]
    [InlineData("a\0b")]
    public async Task FolderNameWithControlCharacters_IsRefused_AndNoFileOrFolderAppears(string name)
    {
        await using var engine = await EngineHost.StartAsync();
        var account = await engine.CreateMailboxAsync("adam@example.com");
        await using var c = await ImapLiteralDesyncTests.LoggedInAsync(engine, "adam@example.com");
        foreach (var verb in new[] { "CREATE", "RENAME INBOX", "SUBSCRIBE" })
        {
            await c.SendAsync($"c1 {verb} {{{Encoding.UTF8.GetByteCount(name)}+}}\r\n{name}\r\n");
            Assert.Matches("^c1 (NO|BAD) ", (await c.ReadUntilTaggedAsync("c1")).Last());
        }
        Assert.Equal(6, (await engine.Store.ListFoldersAsync(account.Id)).Count);
        Assert.DoesNotContain(System.IO.Directory.EnumerateFileSystemEntries(engine.DataDirectory, "*", SearchOption.AllDirectories),
            p => p.IndexOfAny(['\r', '\n', '\0']) >= 0);
    }

    [Theory]
    [InlineData("MAIL FROM:<ev\ril@example.org>")]
    [InlineData("MAIL FROM:<evil@example.org>\rRCPT TO:<adam@example.com>")]
    [InlineData("MAIL FROM:<ev\0il@example.org>")]
    [InlineData("MAIL FROM:<\"ev\\\r\\\nil\"@example.org>")]
    public async Task SmtpAddressWithCrOrNul_IsRejected(string command)
    {
        await using var engine = await EngineHost.StartAsync();
        var adam = await engine.CreateMailboxAsync("adam@example.com");
        await using (var c = await RawLineClient.ConnectAsync(engine.SmtpPort))
        {
            await c.ReadSmtpReplyAsync();
            await c.SmtpAsync("EHLO client.example");
            var reply = await c.SmtpAsync(command);
            Assert.True(reply?.StartsWith('5') == true, reply);
            // Nothing of it was taken as a sender: either the session ended or RCPT still needs a MAIL first.
            var rcpt = await c.SmtpAsync("RCPT TO:<adam@example.com>");
            Assert.True(rcpt is null || rcpt.StartsWith("50"), rcpt);
        }
        await using (var c = await RawLineClient.ConnectAsync(engine.SmtpPort))
        {
            await c.ReadSmtpReplyAsync();
            await c.SmtpAsync("EHLO client.example");
            Assert.StartsWith("250", await c.SmtpAsync("MAIL FROM:<alice@example.org>"));
            var rcpt = await c.SmtpAsync("RCPT TO:<ad\ram@example.com>");
            Assert.True(rcpt?.StartsWith('5') == true, rcpt);
        }
        Assert.Empty(await Smtp.SmtpTestKit.InboxAsync(engine, adam));
    }

    [Theory]
    [InlineData("a\r\nb@example.com")]
    [InlineData("a\0b@example.com")]
    [InlineData("a@exa\rmple.com")]
    [InlineData("../../etc@example.com")]
    public async Task AdminApi_RefusesControlCharactersInAddresses(string address)
    {
        await using var engine = await EngineHost.StartAsync();
        await Assert.ThrowsAnyAsync<ArgumentException>(() =>
            engine.Admin.EnsureMailboxAsync(new MailboxSpec(address, EngineHost.Hash(EngineHost.Password), 0, true, true, true, 0)));
        Assert.DoesNotContain(System.IO.Directory.EnumerateFileSystemEntries(engine.DataDirectory, "*", SearchOption.AllDirectories),
            p => p.IndexOfAny(['\r', '\n', '\0']) >= 0 || p.Contains("etc"));
    }
}

/// <summary>Every formatted log message of the engine, as a log sink would write it.</summary>
internal sealed class LogCapture : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _lines = new();

    public IReadOnlyCollection<string> Lines => _lines;

    public static LogCapture Attach(EngineHost engine)
    {
        var capture = new LogCapture();
        engine.Services.GetRequiredService<ILoggerFactory>().AddProvider(capture);
        return capture;
    }

    public ILogger CreateLogger(string categoryName) => new Sink(this);

    public void Dispose()
    {
    }

    private sealed class Sink(LogCapture owner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner._lines.Enqueue(formatter(state, exception));
    }
}
