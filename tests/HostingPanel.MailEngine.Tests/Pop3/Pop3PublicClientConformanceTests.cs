using System.Diagnostics;
using HostingPanel.Testing;
using Xunit;

namespace HostingPanel.MailEngine.Tests.Pop3;

/// <summary>
/// RFC 1939, RFC 2449 and RFC 2595 checked by real clients, as no public POP3 conformance suite exists (Debian 12 has
/// none; imaptest is IMAP only): Python's poplib drives each rule with its own assertions (a failing one names the
/// rule and what the server said), fetchmail fetches over STLS and implicit TLS. Each script prints one "ok" line
/// per check, so a check that silently did not run fails too.
/// </summary>
public sealed class Pop3PublicClientConformanceTests
{
    private const string User = "conform@example.com";

    /// <summary>Shared by every script: connect, log in, and a check that says which rule failed.</summary>
    private const string Prelude = """
        import poplib, socket, ssl, sys, base64
        port, tls_port, user, password = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
        def check(name, condition, detail=""):
            if not condition:
                sys.exit("FAILED %s %s" % (name, detail))
            print("ok " + name)
        def refused(name, call):
            try:
                reply = call()
            except poplib.error_proto as e:
                print("ok " + name)
                return str(e)
            sys.exit("FAILED %s: expected -ERR, got %r" % (name, reply))
        def login(host_port=None):
            p = poplib.POP3("127.0.0.1", host_port or port, timeout=20)
            p.user(user); p.pass_(password)
            return p
        def unstuffed_size(lines):
            # poplib removes the CRLF and undoes dot-stuffing: the size LIST reports is the message as stored.
            return sum(len(line) + 2 for line in lines)

        """;

    [Fact]
    public async Task Rfc1939_EveryCommandAndStateAsPythonsPoplibSpeaksThem()
    {
        await using var engine = await EngineHost.StartAsync();
        var account = await engine.CreateMailboxAsync(User);
        await engine.DeliverAsync(account, EngineHost.Message("one", ".starts with a dot\r\n..two dots\r\nend\r\n"));
        await engine.DeliverAsync(account, EngineHost.Message("two", "line 1\r\nline 2\r\nline 3\r\n"));
        await engine.DeliverAsync(account, EngineHost.Message("three"));

        var output = await RunPythonAsync(engine, """
            p = poplib.POP3("127.0.0.1", port, timeout=20)
            check("3 greeting is +OK", p.getwelcome().startswith(b"+OK"), p.getwelcome())
            refused("4 STAT in the AUTHORIZATION state is refused", p.stat)
            p.user(user)
            refused("7 PASS with a wrong password is refused", lambda: p.pass_("wrong-" + password))
            p.user(user); p.pass_(password)
            count, octets = p.stat()
            check("5 STAT counts every message", count == 3, count)
            listing = [line.split() for line in p.list()[1]]
            check("5 LIST numbers the messages 1..n", [int(n) for n, _ in listing] == [1, 2, 3], listing)
            check("5 STAT octets are the sum of LIST's", octets == sum(int(s) for _, s in listing), (octets, listing))
            for n, size in listing:
                lines = p.retr(int(n))[1]
                check("5 RETR %s sends exactly the octets LIST gave" % n.decode(), unstuffed_size(lines) == int(size), (unstuffed_size(lines), size))
            first = p.retr(1)[1]
            check("3 byte-stuffed lines come back with one dot", b".starts with a dot" in first and b"..two dots" in first, first)
            check("5 LIST n answers for one message", p._shortcmd("LIST 2").split()[1:] == listing[1], listing[1])
            refused("5 LIST of a message that does not exist is refused", lambda: p._shortcmd("LIST 4"))
            refused("5 RETR of a message that does not exist is refused", lambda: p.retr(4))
            refused("5 RETR 0 is refused", lambda: p.retr(0))
            top = p.top(2, 0)[1]
            check("7 TOP n 0 is the header and the blank line only", top[-1] == b"" and b"Subject: two" in top and b"line 1" not in top, top)
            top1 = p.top(2, 1)[1]
            check("7 TOP n 1 adds one body line", top1[-1] == b"line 1" and b"line 2" not in top1, top1)
            uidl = [line.split() for line in p.uidl()[1]]
            ids = [u for _, u in uidl]
            check("7 UIDL ids are unique", len(set(ids)) == 3, ids)
            check("7 UIDL ids are 1 to 70 characters 0x21-0x7E", all(1 <= len(u) <= 70 and all(0x21 <= b <= 0x7E for b in u) for u in ids), ids)
            check("7 UIDL n matches the listing", p.uidl(2).split()[1:] == uidl[1], p.uidl(2))
            check("5 NOOP is +OK", p.noop().startswith(b"+OK"))
            p.dele(1)
            refused("5 RETR of a deleted message is refused", lambda: p.retr(1))
            refused("5 DELE of a deleted message is refused", lambda: p.dele(1))
            check("5 STAT leaves deleted messages out", p.stat() == (2, octets - int(listing[0][1])), p.stat())
            check("5 LIST leaves deleted messages out and keeps the numbers", [l.split()[0] for l in p.list()[1]] == [b"2", b"3"], p.list())
            check("5 RSET undeletes", p.rset().startswith(b"+OK") and p.stat()[0] == 3)
            p.dele(1)
            check("6 QUIT in TRANSACTION enters UPDATE and says +OK", p.quit().startswith(b"+OK"))
            p = login()
            check("6 the message deleted before QUIT is gone", p.stat()[0] == 2, p.stat())
            check("7 UIDL ids stay the same across sessions", [l.split()[1] for l in p.uidl()[1]] == ids[1:], p.uidl())
            p.dele(1)
            p.file.close(); p.sock.close()  # dropped without QUIT: RFC 1939 section 6, no UPDATE state
            # The server sees the close a moment later; until then the maildrop is still locked ([IN-USE]).
            import time
            deadline = time.monotonic() + 30
            while True:
                try:
                    p = login()
                    break
                except poplib.error_proto as e:
                    if b"[IN-USE]" not in e.args[0] or time.monotonic() > deadline:
                        raise
                    time.sleep(0.1)
            check("6 a session that ends without QUIT deletes nothing", p.stat()[0] == 2, p.stat())
            p.quit()
            """);

        Assert.Contains("ok 6 a session that ends without QUIT deletes nothing", output);
        Assert.Equal(2, (await engine.Store.ListMessagesAsync((await engine.InboxAsync(account)).Id)).Count);
    }

    [Fact]
    public async Task Rfc2449_CapaInBothStates_ResponseCodes_AndPipelinedCommands()
    {
        await using var engine = await EngineHost.StartAsync();
        var account = await engine.CreateMailboxAsync(User);
        await engine.DeliverAsync(account, EngineHost.Message("one"));
        await engine.DeliverAsync(account, EngineHost.Message("two"));

        var output = await RunPythonAsync(engine, """
            p = poplib.POP3("127.0.0.1", port, timeout=20)
            caps = p.capa()
            for cap in ("TOP", "UIDL", "RESP-CODES", "PIPELINING", "USER", "SASL", "STLS", "IMPLEMENTATION"):
                check("5 CAPA in AUTHORIZATION lists " + cap, cap in caps, caps)
            check("6.3 SASL lists PLAIN", "PLAIN" in caps["SASL"], caps["SASL"])
            error = refused("RFC 3206 a wrong password is refused", lambda: p._shortcmd("AUTH PLAIN " + base64.b64encode(("\0%s\0wrong" % user).encode()).decode()))
            check("RFC 3206 the refusal says [AUTH]", "[AUTH]" in error, error)
            reply = p._shortcmd("AUTH PLAIN " + base64.b64encode(("\0%s\0%s" % (user, password)).encode()).decode())
            check("RFC 5034 AUTH PLAIN with an initial response logs in", reply.startswith(b"+OK"), reply)
            caps = p.capa()
            check("5 CAPA in TRANSACTION is answered, without STLS", "UIDL" in caps and "STLS" not in caps, caps)
            second = poplib.POP3("127.0.0.1", port, timeout=20)
            second.user(user)
            error = refused("8.1.2 a second session while the first holds the maildrop says [IN-USE]", lambda: second.pass_(password))
            check("8.1.2 the reply carries the code", "[IN-USE]" in error, error)
            second.quit()
            p.quit()
            # 6.6 PIPELINING: several commands in one write, the replies in order.
            s = socket.create_connection(("127.0.0.1", port), timeout=20)
            f = s.makefile("rb")
            f.readline()
            s.sendall(("USER %s\r\nPASS %s\r\nSTAT\r\nLIST 1\r\nUIDL 2\r\nNOOP\r\nQUIT\r\n" % (user, password)).encode())
            replies = [f.readline() for _ in range(7)]
            check("6.6 pipelined commands are answered in order", [r[:3] for r in replies] == [b"+OK"] * 7, replies)
            check("6.6 the pipelined STAT, LIST and UIDL answer for the right messages",
                  replies[2].startswith(b"+OK 2 ") and replies[3].startswith(b"+OK 1 ") and replies[4].startswith(b"+OK 2 "), replies)
            s.close()
            """);

        Assert.Contains("ok 6.6 the pipelined STAT, LIST and UIDL answer for the right messages", output);
    }

    [Fact]
    public async Task Rfc2595_StlsAndImplicitTls_AndNoPlaintextPasswordBeforeTls()
    {
        // The product's default: no plaintext authentication on an unencrypted connection, also on loopback.
        await using var engine = await EngineHost.StartAsync(new Dictionary<string, string?> { ["Mail:AllowPlaintextAuth"] = "false" });
        var account = await engine.CreateMailboxAsync(User);
        await engine.DeliverAsync(account, EngineHost.Message("secret"));

        var output = await RunPythonAsync(engine, """
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
            p = poplib.POP3("127.0.0.1", port, timeout=20)
            caps = p.capa()
            check("4 CAPA before TLS lists STLS", "STLS" in caps, caps)
            check("2.2 CAPA before TLS offers no plaintext login", "USER" not in caps and "PLAIN" not in " ".join(caps.get("SASL", [])), caps)
            error = refused("2.2 USER/PASS before TLS is refused", lambda: (p.user(user), p.pass_(password)))
            check("2.2 the refusal says to use STLS", "STLS" in error, error)
            p.stls(context)
            check("4 STLS gives a TLS connection", isinstance(p.sock, ssl.SSLSocket))
            caps = p.capa()
            check("4 CAPA after STLS offers login, and no STLS", "USER" in caps and "STLS" not in caps, caps)
            p.user(user); p.pass_(password)
            check("4 login over TLS sees the mailbox", p.stat()[0] == 1, p.stat())
            refused("4 STLS in the TRANSACTION state is refused", lambda: p._shortcmd("STLS"))
            p.quit()
            t = poplib.POP3_SSL("127.0.0.1", tls_port, timeout=20, context=context)
            check("RFC 8314 implicit TLS greets with +OK", t.getwelcome().startswith(b"+OK"), t.getwelcome())
            t.user(user); t.pass_(password)
            check("RFC 8314 implicit TLS sees the mailbox", t.stat()[0] == 1, t.stat())
            t.quit()
            """);

        Assert.Contains("ok RFC 8314 implicit TLS sees the mailbox", output);
    }

    [Theory]
    [InlineData("stls")]
    [InlineData("implicit")]
    public async Task Fetchmail_OverTls_FetchesEveryMessageOnce(string security)
    {
        var fetchmail = TestEnvironment.RequireTool("fetchmail", "fetchmail");
        await using var engine = await EngineHost.StartAsync(new Dictionary<string, string?> { ["Mail:AllowPlaintextAuth"] = "false" });
        var account = await engine.CreateMailboxAsync(User);
        await engine.DeliverAsync(account, EngineHost.Message("tls one", ".dot line\r\nbody\r\n"));
        await engine.DeliverAsync(account, EngineHost.Message("tls two"));

        var home = Path.Combine(engine.DataDirectory, "fetchmail");
        var outbox = Path.Combine(home, "out");
        System.IO.Directory.CreateDirectory(outbox);
        // "sslproto TLS1.2+" without "ssl" makes fetchmail require STLS (it refuses to go on in clear); "ssl" is POP3S.
        var port = security == "stls" ? engine.Pop3Port : engine.Pop3sPort;
        var tls = security == "stls" ? "sslproto TLS1.2+" : "ssl sslproto TLS1.2+";
        var rc = Path.Combine(home, "fetchmailrc");
        await File.WriteAllTextAsync(rc,
            "set no bouncemail\n" +
            $"poll 127.0.0.1 with proto POP3 port {port} uidl\n" +
            $"  user \"{User}\" there with password \"{EngineHost.Password}\" is \"root\" here\n" +
            $"  options nokeep {tls} no sslcertck mda \"/bin/sh -c 'cat > {outbox}/$(date +%s%N).eml'\"\n");
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(rc, UnixFileMode.UserRead | UnixFileMode.UserWrite);

        var (exit, output) = await RunAsync(fetchmail, $"--nodetach --nosyslog -v -f {rc} --idfile {home}/fetchids",
            new Dictionary<string, string> { ["FETCHMAILHOME"] = home, ["HOME"] = home });

        Assert.True(exit == 0, $"fetchmail exit {exit}: {output}");
        var files = System.IO.Directory.GetFiles(outbox).Select(File.ReadAllText).ToList();
        Assert.Equal(2, files.Count);
        Assert.Contains(files, f => f.Contains("\n.dot line", StringComparison.Ordinal));
        Assert.Empty(await engine.Store.ListMessagesAsync((await engine.InboxAsync(account)).Id));
        if (security == "stls")
            Assert.Contains("STLS", output, StringComparison.Ordinal);
    }

    private static async Task<string> RunPythonAsync(EngineHost engine, string body)
    {
        var python = TestEnvironment.RequireTool("python3", "python3");
        var script = Path.Combine(engine.DataDirectory, "pop3-conformance.py");
        await File.WriteAllTextAsync(script, Prelude + body);
        var (exit, output) = await RunAsync(python, $"{script} {engine.Pop3Port} {engine.Pop3sPort} {User} \"{EngineHost.Password}\"");
        Assert.True(exit == 0, output);
        var checks = body.Split('\n').Count(l => l.Contains("check(\"", StringComparison.Ordinal) || l.Contains("refused(\"", StringComparison.Ordinal));
        Assert.True(output.Split('\n').Count(l => l.StartsWith("ok ", StringComparison.Ordinal)) >= checks, output);
        return output;
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(string file, string arguments, Dictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var (k, v) in environment ?? [])
            start.Environment[k] = v;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
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
}
