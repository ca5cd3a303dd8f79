using System.Diagnostics;
using System.Text;
using HostingPanel.Testing;

namespace HostingPanel.MailEngine.Tests.ImapServer;

/// <summary>IMAP as clients other than MailKit speak it: Python's imaplib and Debian's mbsync (isync).</summary>
public sealed class ImapServerExternalClientTests
{
    private static async Task<(int ExitCode, string Output)> RunAsync(string file, string arguments, Dictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var (k, v) in environment ?? [])
            start.Environment[k] = v;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        return (process.ExitCode, await stdout + await stderr);
    }

    [Fact]
    public async Task PythonImaplib_LoginSelectSearchFetch()
    {
        var python = TestEnvironment.RequireTool("python3", "python3");
        await using var engine = await EngineHost.StartAsync();
        var account = await engine.CreateMailboxAsync("py@example.com");
        await engine.DeliverAsync(account, EngineHost.Message("first", "Grüße aus Köln.\r\n"));
        await engine.DeliverAsync(account, EngineHost.Message("second"));
        var script = Path.Combine(engine.DataDirectory, "imap.py");
        await File.WriteAllTextAsync(script, """
            import imaplib, sys
            m = imaplib.IMAP4("127.0.0.1", int(sys.argv[1]), timeout=10)
            print("caps", "IDLE" in m.capabilities or True)
            m.login(sys.argv[2], sys.argv[3])
            typ, data = m.select("INBOX")
            print("select", typ, data[0].decode())
            typ, data = m.search(None, "ALL")
            print("all", data[0].decode())
            m.literal = "Köln".encode("utf-8")
            typ, data = m.search("UTF-8", "BODY")
            print("utf8", data[0].decode())
            typ, data = m.uid("SEARCH", None, "SUBJECT", "second")
            uid = data[0].decode()
            typ, data = m.uid("FETCH", uid, "(FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
            print("header", b"Subject: second" in data[0][1])
            typ, data = m.fetch("1", "(RFC822)")
            print("rfc822", "Grüße".encode() in data[0][1])
            typ, data = m.fetch("1", "(FLAGS)")
            print("seen", b"\\Seen" in data[0])
            typ, data = m.list()
            print("list", len(data))
            print("logout", m.logout()[0])
            """);

        var (exit, output) = await RunAsync(python, $"{script} {engine.ImapPort} py@example.com \"{EngineHost.Password}\"");

        Assert.True(exit == 0, output);
        Assert.Contains("select OK 2", output);
        Assert.Contains("all 1 2", output);
        Assert.Contains("utf8 1", output);
        Assert.Contains("header True", output);
        Assert.Contains("rfc822 True", output);
        Assert.Contains("seen True", output);
        Assert.Contains("list 6", output);
        Assert.Contains("logout BYE", output);
    }

    [Fact]
    public async Task Mbsync_MirrorsFoldersToMaildirAndBack_TwiceWithoutDuplicatesOrLoss()
    {
        var mbsync = TestEnvironment.RequireTool("mbsync", "isync");
        await using var engine = await EngineHost.StartAsync();
        var account = await engine.CreateMailboxAsync("sync@example.com");
        for (var i = 1; i <= 3; i++)
            await engine.DeliverAsync(account, EngineHost.Message($"inbox {i}"));
        Assert.Equal(Storage.StoreStatus.Ok, await engine.Store.CreateFolderAsync(account.Id, "Projects/Alpha"));
        var alpha = (await engine.Store.GetFolderAsync(account.Id, "Projects/Alpha"))!;
        foreach (var subject in new[] { "alpha 1", "alpha 2" })
            await engine.Store.AppendAsync(account.Id, alpha.Id, new MemoryStream(Encoding.UTF8.GetBytes(EngineHost.Message(subject))));

        var home = Path.Combine(engine.DataDirectory, "home");
        var maildir = Path.Combine(home, "mail");
        System.IO.Directory.CreateDirectory(maildir);
        var config = Path.Combine(home, "mbsyncrc");
        await File.WriteAllTextAsync(config, $"""
            IMAPAccount acc
            Host 127.0.0.1
            Port {engine.ImapsPort}
            User sync@example.com
            Pass "{EngineHost.Password}"
            SSLType IMAPS
            CertificateFile {Path.Combine(engine.DataDirectory, "tls", "mail-selfsigned.crt.pem")}
            AuthMechs LOGIN

            IMAPStore remote
            Account acc

            MaildirStore local
            Path {maildir}/
            Inbox {maildir}/INBOX
            SubFolders Verbatim

            Channel mirror
            Far :remote:
            Near :local:
            Patterns *
            Create Both
            Remove None
            Expunge Both
            SyncState *
            Sync All

            """);
        var environment = new Dictionary<string, string> { ["HOME"] = home };

        async Task SyncAsync()
        {
            var (exit, output) = await RunAsync(mbsync, $"-c {config} -a", environment);
            Assert.True(exit == 0, output);
        }

        // First mirror: every server folder and message appears locally.
        await SyncAsync();
        Assert.Equal(3, LocalCount(maildir, "INBOX"));
        Assert.Equal(2, LocalCount(maildir, "Projects/Alpha"));

        // Local changes go back: a new message in a new local folder and in Archive.
        WriteLocal(maildir, "Archive", "local 1");
        WriteLocal(maildir, "Local", "local 2");
        await engine.DeliverAsync(account, EngineHost.Message("inbox 4"));
        await SyncAsync();
        await SyncAsync();

        Assert.Equal(4, LocalCount(maildir, "INBOX"));
        Assert.Equal(await ServerSubjectsAsync(engine, account.Id, "INBOX"), ["inbox 1", "inbox 2", "inbox 3", "inbox 4"]);
        Assert.Equal(await ServerSubjectsAsync(engine, account.Id, "Archive"), ["local 1"]);
        Assert.Equal(await ServerSubjectsAsync(engine, account.Id, "Local"), ["local 2"]);
        Assert.Equal(await ServerSubjectsAsync(engine, account.Id, "Projects/Alpha"), ["alpha 1", "alpha 2"]);
        Assert.Equal(1, LocalCount(maildir, "Archive"));
        Assert.Equal(2, LocalCount(maildir, "Projects/Alpha"));
    }

    private static int LocalCount(string maildir, string folder)
    {
        var dir = Path.Combine(maildir, folder);
        return new[] { "cur", "new" }.Sum(sub => System.IO.Directory.Exists(Path.Combine(dir, sub)) ? System.IO.Directory.GetFiles(Path.Combine(dir, sub)).Length : 0);
    }

    private static void WriteLocal(string maildir, string folder, string subject)
    {
        var dir = Path.Combine(maildir, folder);
        foreach (var sub in new[] { "cur", "new", "tmp" })
            System.IO.Directory.CreateDirectory(Path.Combine(dir, sub));
        File.WriteAllText(Path.Combine(dir, "new", $"{DateTimeOffset.UtcNow.ToUnixTimeSeconds()}.{Guid.NewGuid():N}.test"), EngineHost.Message(subject));
    }

    private static async Task<List<string>> ServerSubjectsAsync(EngineHost engine, long mailboxId, string folder)
    {
        var info = (await engine.Store.GetFolderAsync(mailboxId, folder))!;
        var messages = await engine.Store.ListMessagesAsync(info.Id, includeSummaries: true);
        return messages.Select(m => System.Text.RegularExpressions.Regex.Match(m.Envelope!, "^\\(\"[^\"]*\" \"([^\"]*)\"").Groups[1].Value).Order(StringComparer.Ordinal).ToList();
    }
}
