using HostingPanel.Bench.Load.Protocol;
using HostingPanel.Bench.Load.Report;

namespace HostingPanel.Bench.Load.Workloads;

/// <summary>
/// IMAP connection + LOGIN + LOGOUT in a loop, over several users (round robin), so the figure is
/// dominated by the password check as a real login storm is. Both servers have their credential
/// cache on, so after the first login of each user the {ARGON2ID} cost may be skipped.
/// </summary>
internal static class LoginWorkload
{
    public static async Task<List<BenchResult>> RunAsync(Options o)
    {
        var server = o.String("server");
        var host = o.String("host", "127.0.0.1");
        var port = o.Int("port");
        var users = o.String("users").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var password = o.String("password");
        var clients = o.Int("clients", 4);
        var duration = TimeSpan.FromSeconds(o.Double("duration", 10));
        o.EnsureAllRead();

        Console.Error.WriteLine($"[{server}] IMAP connect+LOGIN+LOGOUT over {users.Length} users by {clients} client(s) for {duration.TotalSeconds}s on :{port}");
        var outcome = await ClientRunner.RunAsync(clients, duration, async c =>
        {
            var n = c.Index;
            await c.ReadyAsync().ConfigureAwait(false);
            while (!c.TimeIsUp)
            {
                var user = users[n++ % users.Length];
                await c.Recorder.TimeAsync("login", async () =>
                {
                    await using var imap = await ImapConnection.ConnectAsync(host, port, c.Token).ConfigureAwait(false);
                    var r = await imap.LoginAsync(user, password, c.Token).ConfigureAwait(false);
                    await imap.CommandAsync("LOGOUT", c.Token).ConfigureAwait(false);
                    return r;
                }, r => r.Ok).ConfigureAwait(false);
            }
        }).ConfigureAwait(false);

        var samples = outcome.Ops.GetValueOrDefault("login") ?? new OpSamples();
        return ResultBuilder.Rows($"imap.login.c{clients}", $"IMAP connect + LOGIN + LOGOUT, {clients} clients",
            server, "login/s", samples, outcome.Elapsed, outcome.FirstFailure).ToList();
    }
}
