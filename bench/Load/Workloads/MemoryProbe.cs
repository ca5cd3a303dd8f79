using System.Globalization;
using HostingPanel.Bench.Load.Protocol;
using HostingPanel.Bench.Load.Report;

namespace HostingPanel.Bench.Load.Workloads;

/// <summary>
/// Memory of a server with N idle, logged-in connections: IMAP sessions that SELECTed INBOX and sit
/// in IDLE, or POP3 sessions in the TRANSACTION state. The figure is the growth of the proportional
/// set size (PSS, /proc/PID/smaps_rollup) summed over the server's whole process tree (processes that
/// exited during the probe left out of the baseline), divided by N:
/// PSS splits shared pages between the processes that share them, so Dovecot's one-process-per-
/// session model is neither over- nor under-counted against the product's single process.
/// </summary>
internal static class MemoryProbe
{
    public static async Task<List<BenchResult>> RunAsync(Options o)
    {
        var server = o.String("server");
        var host = o.String("host", "127.0.0.1");
        var port = o.Int("port");
        var proto = o.String("proto");
        // Sessions go round-robin over the users: a server may allow one POP3 session per maildrop.
        var users = o.String("users").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var password = o.String("password");
        var connections = o.Int("connections", 200);
        var pid = o.Int("pid");
        var settle = TimeSpan.FromSeconds(o.Double("settle", 3));
        var timeout = TimeSpan.FromSeconds(o.Int("timeout", 180));
        // For a garbage-collected server that collects on SIGUSR1 (bench/ProductHost does).
        var gcSignal = o.Flag("gc-signal");
        o.EnsureAllRead();

        using var cts = new CancellationTokenSource(timeout);
        // Every user logs in and out once first, so that credential caches are warm and the cost of
        // the {ARGON2ID} checks themselves (64 MiB each, which a garbage-collected server may keep
        // for a while) is in the baseline rather than charged to the idle sessions.
        foreach (var user in users.Distinct(StringComparer.Ordinal))
        {
            try
            {
                await using var session = await OpenIdleAsync(proto == "imap" ? "imap-login" : "pop3", host, port, user, password, cts.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException)
            {
                Console.Error.WriteLine($"[{server}] warm-up login of {user} failed: {ex.Message}");
            }
        }
        await SettleAsync(pid, gcSignal, settle, cts.Token).ConfigureAwait(false);
        var before = ProcessTree.Measure(pid);
        Console.Error.WriteLine($"[{server}] {proto} idle memory probe: {connections} connections on :{port}; before: {before}");
        var open = new List<IAsyncDisposable>(connections);
        string? failure = null;
        try
        {
            // Opened a few at a time: the aim is the resting cost of a session, not a login storm.
            for (var i = 0; i < connections; i += 8)
            {
                var batch = Enumerable.Range(i, Math.Min(8, connections - i)).Select(k => OpenIdleAsync(proto, host, port, users[k % users.Length], password, cts.Token)).ToList();
                foreach (var t in batch)
                {
                    try { open.Add(await t.ConfigureAwait(false)); }
                    catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException or OperationCanceledException)
                    {
                        failure ??= ex.Message;
                    }
                }
            }
            await SettleAsync(pid, gcSignal, settle, cts.Token).ConfigureAwait(false);
            var after = ProcessTree.Measure(pid);
            Console.Error.WriteLine($"[{server}] after {open.Count} idle connections: {after}");
            // Processes that left meanwhile (Dovecot ends idle mail processes after a minute) are taken
            // out of the baseline, or their exit would hide the cost of the new sessions.
            var growthKiB = after.PssKiB - before.PssKiBOf(after.Pids);
            var perConnectionKiB = open.Count == 0 ? double.NaN : growthKiB / (double)open.Count;
            var label = proto == "imap" ? "IMAP memory per idle connection (SELECTed, in IDLE)" : "POP3 memory per idle connection (logged in)";
            return
            [
                new BenchResult
                {
                    Key = $"{proto}.idle-memory", Label = label + $", {connections} connections", Server = server, Unit = "KiB/conn",
                    Value = open.Count == 0 ? null : perConnectionKiB, HigherIsBetter = false,
                    Display = open.Count == 0
                        ? "no connection opened"
                        : $"{perConnectionKiB.ToString("0.0", CultureInfo.InvariantCulture)} KiB/conn (PSS +{Mib(growthKiB)} MiB for {open.Count} sessions; {after.Processes} processes)",
                    Count = open.Count, Errors = connections - open.Count,
                    Note = failure is null ? null : "first failure: " + failure,
                },
            ];
        }
        finally
        {
            foreach (var c in open) await c.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static async Task SettleAsync(int pid, bool gcSignal, TimeSpan settle, CancellationToken ct)
    {
        await Task.Delay(settle, ct).ConfigureAwait(false);
        if (!gcSignal) return;
        const int SigUsr1 = 10;
        if (Kill(pid, SigUsr1) != 0) throw new IOException($"cannot signal process {pid}");
        await Task.Delay(settle, ct).ConfigureAwait(false);
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    private static string Mib(long kib) => (kib / 1024.0).ToString("0.0", CultureInfo.InvariantCulture);

    private static async Task<IAsyncDisposable> OpenIdleAsync(string proto, string host, int port, string user, string password, CancellationToken ct)
    {
        if (proto is "imap" or "imap-login")
        {
            var imap = await ImapConnection.ConnectAsync(host, port, ct).ConfigureAwait(false);
            try
            {
                if (!(await imap.LoginAsync(user, password, ct).ConfigureAwait(false)).Ok) throw new IOException("login failed");
                if (proto == "imap-login") return imap;
                if (!(await imap.CommandAsync("SELECT INBOX", ct).ConfigureAwait(false)).Ok) throw new IOException("SELECT failed");
                if (!await imap.IdleAsync(ct).ConfigureAwait(false)) throw new IOException("IDLE refused");
                return imap;
            }
            catch
            {
                await imap.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }
        if (proto == "pop3")
        {
            var pop3 = await Pop3Connection.ConnectAsync(host, port, ct).ConfigureAwait(false);
            try
            {
                if (!await pop3.LoginAsync(user, password, ct).ConfigureAwait(false)) throw new IOException("login failed");
                if (await pop3.StatAsync(ct).ConfigureAwait(false) < 0) throw new IOException("STAT failed");
                return pop3;
            }
            catch
            {
                await pop3.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }
        throw new ArgumentException("--proto imap|pop3");
    }
}

/// <summary>Memory of a process and all its descendants, from /proc (Linux).</summary>
internal static class ProcessTree
{
    public sealed record Usage(long RssKiB, long PssKiB, int Processes, IReadOnlyDictionary<int, long> PssByPid)
    {
        public IEnumerable<int> Pids => PssByPid.Keys;

        /// <summary>PSS of those of these processes that are also in <paramref name="pids"/>.</summary>
        public long PssKiBOf(IEnumerable<int> pids) => pids.Sum(p => PssByPid.GetValueOrDefault(p));

        public override string ToString() => $"RSS {RssKiB / 1024.0:0.0} MiB, PSS {PssKiB / 1024.0:0.0} MiB in {Processes} process(es)";
    }

    public static Usage Measure(int rootPid)
    {
        var parents = new Dictionary<int, int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)) continue;
            try
            {
                // /proc/PID/stat: "pid (comm) state ppid ..."; comm may hold spaces and parentheses.
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var rest = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                parents[pid] = int.Parse(rest[1], CultureInfo.InvariantCulture);
            }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
        var tree = new HashSet<int> { rootPid };
        bool grew;
        do
        {
            grew = false;
            foreach (var (pid, ppid) in parents)
                if (tree.Contains(ppid) && tree.Add(pid)) grew = true;
        } while (grew);

        long rss = 0, pss = 0;
        var byPid = new Dictionary<int, long>();
        foreach (var pid in tree)
        {
            try
            {
                long processRss = 0, processPss = 0;
                foreach (var line in File.ReadLines($"/proc/{pid}/smaps_rollup"))
                {
                    if (line.StartsWith("Rss:", StringComparison.Ordinal)) processRss = KiB(line);
                    else if (line.StartsWith("Pss:", StringComparison.Ordinal)) processPss = KiB(line);
                }
                rss += processRss;
                pss += processPss;
                byPid[pid] = processPss;
            }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
        return new Usage(rss, pss, byPid.Count, byPid);
    }

    private static long KiB(string line) =>
        long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
}
