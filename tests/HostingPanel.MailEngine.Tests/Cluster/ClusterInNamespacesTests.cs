using HostingPanel.Testing;
using System.Diagnostics;
using HostingPanel.MailEngine.Tests.Reliability;
using HostingPanel.MailEngine.Tests.S3;

namespace HostingPanel.MailEngine.Tests.Cluster;

/// <summary>
/// Issue 24 item 4, the layout of docs/scale-out.md on machines of their own: PostgreSQL, Ceph's radosgw, haproxy and
/// three mail nodes, each in its own network namespace with its own address, joined by a bridge. Clients deliver and
/// APPEND through haproxy without pause while one node is SIGKILLed and later rejoins, and while PostgreSQL restarts.
/// Afterwards every acknowledged message is stored exactly once and complete, and the three nodes show the same folder.
/// </summary>
public sealed class ClusterInNamespacesTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task ThreeMailNodesBehindHaproxy_OnPostgresAndCeph_LoseNothing_WhenANodeIsKilled_AndWhenPostgresRestarts()
    {
        await using var lab = await NetworkLab.CreateAsync();
        var directory = Path.Combine(Path.GetTempPath(), "hp-lab-" + Guid.NewGuid().ToString("N")[..8]);
        System.IO.Directory.CreateDirectory(directory);
        var nodes = new List<LabMailNode>();
        LabBalancer? balancer = null;
        try
        {
            await using var postgres = await PostgresMachine.StartAsync(lab, await lab.AddMachineAsync("pg", 2));
            await using var ceph = await CephRadosGateway.StartAsync(await lab.AddMachineAsync("s3", 3));
            await ceph.CreateBucketAsync("mail");
            var balancerMachine = await lab.AddMachineAsync("lb", 4);
            foreach (byte host in new byte[] { 11, 12, 13 })
            {
                var node = new LabMailNode(await lab.AddMachineAsync("n" + host, host), postgres.ConnectionString, balancerMachine.Address, ceph.Settings("mail"));
                nodes.Add(node);
                await node.StartAsync(); // one after another: the first one migrates the database
            }
            balancer = await LabBalancer.StartAsync(balancerMachine, [.. nodes.Select(n => n.Machine.Address)], directory);

            var load = LabLoad.Start(balancer.Smtp, balancer.Imap, clientsPerProtocol: 3);
            await load.WaitForMoreAsync(60, Bound, "the cluster did not take mail through the balancer");
            Assert.All(nodes, n => Assert.True(load.SessionsOn(n.Hostname) > 0, $"the balancer sent no session to {n.Hostname}"));

            // A node dies with sessions open; the clients it served reconnect through haproxy to the others.
            var victim = nodes[1];
            await victim.KillAsync();
            var killed = Stopwatch.StartNew();
            await load.WaitForMoreAsync(60, Bound, "mail stopped after a node was killed");
            var servedAfterKill = killed.Elapsed;

            // It rejoins, and the balancer sends it sessions again.
            await victim.StartAsync();
            var before = load.SessionsOn(victim.Hostname);
            var deadline = DateTime.UtcNow + Bound;
            while (load.SessionsOn(victim.Hostname) == before)
            {
                Assert.True(DateTime.UtcNow < deadline, "the rejoined node got no session from the balancer");
                await Task.Delay(100);
            }

            // PostgreSQL restarts under load (a fast shutdown ends every node's sessions); the service comes back.
            await postgres.RestartAsync(down: TimeSpan.FromSeconds(2));
            var restarted = Stopwatch.StartNew();
            await load.WaitForMoreAsync(60, Bound, "mail did not resume after PostgreSQL restarted");
            var resumedAfter = restarted.Elapsed;
            await load.StopAsync();
            Assert.True(load.SmtpAcknowledged > 0 && load.ImapAcknowledged > 0,
                $"SMTP {load.SmtpAcknowledged} and IMAP {load.ImapAcknowledged} acknowledged: both must be, or the test proved nothing; sessions ended by: {load.RecentBreaks}");

            // Every acknowledged message, read back through the shared database and object store.
            System.IO.Directory.CreateDirectory(Path.Combine(directory, "verifier"));
            await using (var verifier = await EngineHost.StartOnAsync(Path.Combine(directory, "verifier"), postgres.ConnectionString, ceph.Settings("mail")))
            {
                var stored = await CrashOverTheWireTests.VerifyEachAcknowledgedStoredOnceAsync(verifier, LabLoad.Address, load.AcknowledgedIds);
                // The same folder on every node.
                var views = new List<string>();
                foreach (var node in nodes)
                {
                    using var client = new MailKit.Net.Imap.ImapClient { ServerCertificateValidationCallback = (_, _, _, _) => true };
                    await client.ConnectAsync(node.Imap.Address.ToString(), node.Imap.Port, MailKit.Security.SecureSocketOptions.StartTls);
                    await client.AuthenticateAsync(LabLoad.Address, "x");
                    await client.Inbox.OpenAsync(MailKit.FolderAccess.ReadOnly);
                    var uids = await client.Inbox.SearchAsync(MailKit.Search.SearchQuery.All);
                    views.Add($"{client.Inbox.UidValidity}:{string.Join(",", uids.Select(u => u.Id))}");
                    await client.DisconnectAsync(true);
                }
                Assert.All(views, v => Assert.Equal(views[0], v));
                output.WriteLine($"LAB-CLUSTER smtp_acked={load.SmtpAcknowledged} imap_acked={load.ImapAcknowledged} stored={stored} lost=0 doubled=0 " +
                                 $"served_after_kill={servedAfterKill.TotalSeconds:F1}s resumed_after_pg_restart={resumedAfter.TotalSeconds:F1}s " +
                                 $"sessions={string.Join(",", nodes.Select(n => $"{n.Hostname}:{load.SessionsOn(n.Hostname)}"))}");
            }
        }
        catch
        {
            // What a reader of a failure needs: which nodes still ran, and what haproxy saw of them.
            output.WriteLine("nodes running: " + string.Join(", ", nodes.Select(n => $"{n.Hostname}={n.Running}")));
            output.WriteLine("haproxy: " + balancer?.Log);
            if (int.TryParse(Environment.GetEnvironmentVariable("HOSTINGPANEL_LAB_HOLD_SECONDS"), out var hold))
                await Task.Delay(TimeSpan.FromSeconds(hold)); // by hand: the lab stays up to be looked at
            throw;
        }
        finally
        {
            if (balancer is not null)
                await balancer.DisposeAsync();
            foreach (var node in nodes)
                await node.DisposeAsync();
            try { System.IO.Directory.Delete(directory, recursive: true); } catch (Exception) { }
        }
    }
}
