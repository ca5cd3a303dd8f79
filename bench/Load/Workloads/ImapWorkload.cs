using System.Globalization;
using System.Text;
using HostingPanel.Bench.Load.Protocol;
using HostingPanel.Bench.Load.Report;

namespace HostingPanel.Bench.Load.Workloads;

/// <summary>
/// IMAP session mix (the IMAP issue's: login, select, fetch headers and bodies, store flags, append,
/// expunge, logout): each client logs in once, selects INBOX (the corpus) and then draws commands
/// from the weighted mix until the duration is over. Commands:
/// <list type="bullet">
/// <item>login: a second connection: connect, LOGIN, LOGOUT (timed as a whole)</item>
/// <item>select: SELECT INBOX</item>
/// <item>fetch-meta: FETCH of 50 messages (UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODYSTRUCTURE), what a client lists</item>
/// <item>fetch-headers: FETCH of 50 messages BODY.PEEK[HEADER]</item>
/// <item>fetch-body: FETCH of one message BODY.PEEK[] (full body)</item>
/// <item>search: SEARCH over headers (subject word, sender, Message-ID), rotating</item>
/// <item>store: STORE +FLAGS or -FLAGS (\Flagged) on one corpus message</item>
/// <item>append: APPEND of a 4 KB message to Sent</item>
/// <item>expunge: UID EXPUNGE (UIDPLUS) of one message this client appended to INBOX and flagged \Deleted
/// just before (the APPEND and STORE are not timed), so the corpus stays as it is</item>
/// <item>noop: NOOP (protocol overhead floor)</item>
/// </list>
/// </summary>
internal static class ImapWorkload
{
    public const string DefaultMix = "login=1,select=1,fetch-meta=4,fetch-headers=2,fetch-body=3,search=2,store=2,append=1,expunge=1,noop=1";

    // The header searches of ParityCheck (the last two there scan bodies and are not part of the mix).
    private static readonly string[] Searches = ParityCheck.Searches[..4];

    public static async Task<List<BenchResult>> RunAsync(Options o)
    {
        var server = o.String("server");
        var host = o.String("host", "127.0.0.1");
        var port = o.Int("port");
        var user = o.String("user");
        var password = o.String("password");
        var clients = o.Int("clients", 4);
        var duration = TimeSpan.FromSeconds(o.Double("duration", 20));
        var mix = ParseMix(o.String("mix", DefaultMix));
        o.EnsureAllRead();

        var appendMessage = BuildAppendMessage();
        Console.Error.WriteLine($"[{server}] IMAP mix {string.Join(",", mix.Select(m => m.Op + "=" + m.Weight))} by {clients} client(s) for {duration.TotalSeconds}s on :{port}");
        var outcome = await ClientRunner.RunAsync(clients, duration, async c =>
        {
            await using var imap = await ImapConnection.ConnectAsync(host, port, c.Token).ConfigureAwait(false);
            var login = await imap.LoginAsync(user, password, c.Token).ConfigureAwait(false);
            if (!login.Ok) throw new IOException("IMAP login failed: " + login.Status);
            var select = await imap.CommandAsync("SELECT INBOX", c.Token).ConfigureAwait(false);
            if (!select.Ok || imap.Exists <= 0) throw new IOException("SELECT INBOX: " + select.Status);
            var exists = imap.Exists;
            await c.ReadyAsync().ConfigureAwait(false);
            var totalWeight = mix.Sum(m => m.Weight);
            var searchIndex = c.Index;
            while (!c.TimeIsUp)
            {
                var pick = c.Random.Next(totalWeight);
                var op = mix.First(m => (pick -= m.Weight) < 0).Op;
                switch (op)
                {
                    case "append":
                        await c.Recorder.TimeAsync(op, () => imap.AppendAsync("Sent", appendMessage, c.Token), r => r.Ok, r => r.Bytes).ConfigureAwait(false);
                        break;
                    case "login":
                        await c.Recorder.TimeAsync(op, () => LoginLogoutAsync(host, port, user, password, c.Token), r => r.Ok, r => r.Bytes).ConfigureAwait(false);
                        break;
                    case "expunge":
                    {
                        var appended = await imap.AppendAsync("INBOX", appendMessage, c.Token).ConfigureAwait(false);
                        var uid = AppendedUid(appended.Status);
                        if (!appended.Ok || uid is null) throw new IOException("APPEND to INBOX for the expunge step: " + appended.Status);
                        var flagged = await imap.CommandAsync($"UID STORE {uid} +FLAGS.SILENT (\\Deleted)", c.Token).ConfigureAwait(false);
                        if (!flagged.Ok) throw new IOException("UID STORE \\Deleted: " + flagged.Status);
                        await c.Recorder.TimeAsync(op, () => imap.CommandAsync($"UID EXPUNGE {uid}", c.Token), r => r.Ok, r => r.Bytes).ConfigureAwait(false);
                        break;
                    }
                    default:
                        var command = Command(op, c.Random, exists, ref searchIndex);
                        await c.Recorder.TimeAsync(op, () => imap.CommandAsync(command, c.Token), r => r.Ok, r => r.Bytes).ConfigureAwait(false);
                        break;
                }
            }
            await imap.CommandAsync("LOGOUT", c.Token).ConfigureAwait(false);
        }).ConfigureAwait(false);

        var results = new List<BenchResult>();
        foreach (var (op, _) in mix)
        {
            var samples = outcome.Ops.GetValueOrDefault(op) ?? new OpSamples();
            // "mix-login": the login storm (LoginWorkload) owns "imap.login.c4".
            results.AddRange(ResultBuilder.Rows($"imap.{(op == "login" ? "mix-login" : op)}.c{clients}", $"IMAP {Describe(op)}, {clients} client{(clients == 1 ? "" : "s")} in the mix",
                server, "cmd/s", samples, outcome.Elapsed, outcome.FirstFailure));
        }
        return results;
    }

    private static string Command(string op, Random random, int exists, ref int searchIndex)
    {
        switch (op)
        {
            case "select":
                return "SELECT INBOX";
            case "fetch-meta":
            {
                var first = 1 + random.Next(Math.Max(exists - 49, 1));
                return $"FETCH {first.ToString(CultureInfo.InvariantCulture)}:{Math.Min(first + 49, exists).ToString(CultureInfo.InvariantCulture)} (UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODYSTRUCTURE)";
            }
            case "fetch-headers":
            {
                var first = 1 + random.Next(Math.Max(exists - 49, 1));
                return $"FETCH {first.ToString(CultureInfo.InvariantCulture)}:{Math.Min(first + 49, exists).ToString(CultureInfo.InvariantCulture)} (BODY.PEEK[HEADER])";
            }
            case "fetch-body":
                return $"FETCH {(1 + random.Next(exists)).ToString(CultureInfo.InvariantCulture)} (BODY.PEEK[])";
            case "search":
                return Searches[searchIndex++ % Searches.Length];
            case "store":
                return $"STORE {(1 + random.Next(exists)).ToString(CultureInfo.InvariantCulture)} {(random.Next(2) == 0 ? "+" : "-")}FLAGS (\\Flagged)";
            case "noop":
                return "NOOP";
            default:
                throw new ArgumentException("unknown IMAP op " + op);
        }
    }

    private static string Describe(string op) => op switch
    {
        "select" => "SELECT INBOX (the corpus)",
        "fetch-meta" => "FETCH 50 × ENVELOPE BODYSTRUCTURE FLAGS SIZE",
        "fetch-headers" => "FETCH 50 × BODY.PEEK[HEADER]",
        "fetch-body" => "FETCH BODY.PEEK[] (full message)",
        "search" => "SEARCH on headers",
        "append" => "APPEND 4 KB",
        "login" => "connect + LOGIN + LOGOUT (second connection)",
        "store" => "STORE ±FLAGS (\\Flagged) on one message",
        "expunge" => "UID EXPUNGE of one message (after an untimed APPEND + STORE \\Deleted)",
        "noop" => "NOOP",
        _ => op,
    };

    public static List<(string Op, int Weight)> ParseMix(string mix)
    {
        var known = new[] { "login", "select", "fetch-meta", "fetch-headers", "fetch-body", "search", "store", "append", "expunge", "noop" };
        var result = new List<(string, int)>();
        foreach (var part in mix.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var kv = part.Split('=');
            if (kv.Length != 2 || !known.Contains(kv[0])) throw new ArgumentException($"bad mix entry '{part}' (known: {string.Join(", ", known)})");
            var weight = int.Parse(kv[1], CultureInfo.InvariantCulture);
            if (weight > 0) result.Add((kv[0], weight));
        }
        if (result.Count == 0) throw new ArgumentException("empty --mix");
        return result;
    }

    /// <summary>The UID of "OK [APPENDUID validity uid] ..." (UIDPLUS, RFC 4315), or null.</summary>
    private static string? AppendedUid(string status)
    {
        var at = status.IndexOf("[APPENDUID ", StringComparison.OrdinalIgnoreCase);
        if (at < 0) return null;
        var parts = status[(at + 11)..].Split([' ', ']'], StringSplitOptions.RemoveEmptyEntries);
        return parts.Length >= 2 && uint.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out _) ? parts[1] : null;
    }

    private static async Task<ImapResult> LoginLogoutAsync(string host, int port, string user, string password, CancellationToken ct)
    {
        await using var second = await ImapConnection.ConnectAsync(host, port, ct).ConfigureAwait(false);
        var login = await second.LoginAsync(user, password, ct).ConfigureAwait(false);
        if (!login.Ok) return login;
        var logout = await second.CommandAsync("LOGOUT", ct).ConfigureAwait(false);
        return new ImapResult(logout.Ok, logout.Status, login.Bytes + logout.Bytes);
    }

    private static byte[] BuildAppendMessage()
    {
        var sb = new StringBuilder();
        sb.Append("From: Bench <u01@bench.test>\r\nTo: someone@example.net\r\nSubject: appended by the benchmark\r\n");
        sb.Append("Date: Mon, 05 Jan 2026 08:00:00 +0000\r\nMessage-ID: <append@bench.test>\r\nMIME-Version: 1.0\r\n");
        sb.Append("Content-Type: text/plain; charset=us-ascii\r\n\r\n");
        while (sb.Length < 4000) sb.Append("The quick brown fox jumps over the lazy dog, again and again.\r\n");
        return Encoding.ASCII.GetBytes(sb.ToString());
    }
}
