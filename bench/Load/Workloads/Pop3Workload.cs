using HostingPanel.Bench.Load.Protocol;
using HostingPanel.Bench.Load.Report;

namespace HostingPanel.Bench.Load.Workloads;

/// <summary>
/// POP3 download of the whole mailbox: every client logs in (to its own mailbox when there are enough
/// users; all hold the corpus) and RETRs every message once; client k starts at message k·N/C so that
/// clients sharing a mailbox do not read the same file in lock step.
/// </summary>
internal static class Pop3Workload
{
    public static async Task<List<BenchResult>> RunAsync(Options o)
    {
        var server = o.String("server");
        var host = o.String("host", "127.0.0.1");
        var port = o.Int("port");
        // Client k uses user k mod n: servers that lock a maildrop per session (RFC 1939 section 8)
        // need one mailbox per concurrent client.
        var users = o.String("users").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var password = o.String("password");
        var clients = o.Int("clients", 1);
        var timeout = TimeSpan.FromSeconds(o.Int("timeout", 300));
        o.EnsureAllRead();

        var total = 0;
        Console.Error.WriteLine($"[{server}] POP3 RETR of the mailbox by {clients} client(s) on :{port}");
        var outcome = await ClientRunner.RunAsync(clients, timeout, async c =>
        {
            await using var pop3 = await Pop3Connection.ConnectAsync(host, port, c.Token).ConfigureAwait(false);
            var user = users[c.Index % users.Length];
            if (!await pop3.LoginAsync(user, password, c.Token).ConfigureAwait(false)) throw new IOException("POP3 login failed for " + user);
            var count = await pop3.StatAsync(c.Token).ConfigureAwait(false);
            if (count <= 0) throw new IOException("POP3 mailbox is empty");
            Interlocked.Exchange(ref total, count);
            var first = (int)((long)c.Index * count / c.Clients);
            await c.ReadyAsync().ConfigureAwait(false);
            for (var k = 0; k < count && !c.TimeIsUp; k++)
            {
                var number = (first + k) % count + 1;
                await c.Recorder.TimeAsync("retr", () => pop3.RetrAsync(number, c.Token), n => n >= 0, n => n).ConfigureAwait(false);
            }
            await pop3.QuitAsync(c.Token).ConfigureAwait(false);
        }).ConfigureAwait(false);

        var samples = outcome.Ops.GetValueOrDefault("retr") ?? new OpSamples();
        var expected = (long)total * clients;
        var note = samples.Count < expected ? $"{samples.Count} of {expected} RETRs done before the deadline" : null;
        if (outcome.FirstFailure is not null) note = (note is null ? "" : note + "; ") + outcome.FirstFailure;
        var label = clients == 1 ? "POP3 RETR of the corpus, 1 client" : $"POP3 RETR of the corpus, {clients} concurrent clients";
        return ResultBuilder.Rows($"pop3.retr.c{clients}", label, server, "msg/s", samples, outcome.Elapsed, note).ToList();
    }
}
