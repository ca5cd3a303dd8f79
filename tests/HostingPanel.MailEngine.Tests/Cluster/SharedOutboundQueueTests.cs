using System.Collections.Concurrent;
using System.Text;
using HostingPanel.MailEngine.Hosting;
using HostingPanel.MailEngine.Outbound;
using HostingPanel.MailEngine.Storage;
using HostingPanel.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace HostingPanel.MailEngine.Tests.Cluster;

/// <summary>One outbound queue in PostgreSQL shared by several nodes: every queued message leaves once, from one node.</summary>
public sealed class SharedOutboundQueueTests(ITestOutputHelper output)
{
    private static Dictionary<string, string?> Relay(SmtpRelaySink sink, string poll = "00:00:00.100") => new()
    {
        ["Mail:Relay:Host"] = "127.0.0.1", ["Mail:Relay:Port"] = sink.Port.ToString(), ["Mail:Relay:Security"] = "None",
        ["Mail:Queue:PollInterval"] = poll, ["Mail:Queue:RetryDelay"] = "00:00:00.200",
    };

    [Fact]
    public async Task TwoNodesSendingFromOneQueue_EveryMessageReachesTheRelayExactlyOnce()
    {
        await using var sink = new SmtpRelaySink();
        await using var cluster = await ClusterNodes.StartAsync(joined: 2, Relay(sink));
        var nodes = cluster.Joined;
        const int perNode = 40;

        // Both nodes queue at the same time; both workers (and the owner's) poll every 100 ms and take what is due.
        await Task.WhenAll(nodes.Select((node, n) => Task.Run(async () =>
        {
            var queue = node.Services.GetRequiredService<OutboundQueue>();
            Assert.True(queue.IsShared);
            for (var i = 0; i < perNode; i++)
                await queue.EnqueueAsync("sender@example.com", [$"n{n}m{i}@far.example"], Encoding.ASCII.GetBytes(EngineHost.Message($"n{n} m{i}")), isBounce: false);
        })));

        var expected = nodes.Count * perNode;
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (sink.Accepted.Count < expected && DateTime.UtcNow < deadline)
            await Task.Delay(100);
        // Anything sent twice would arrive within the same window: wait for every queue to be empty, then a moment more.
        foreach (var node in nodes)
            await WaitUntilAsync(async () => (await node.Services.GetRequiredService<OutboundQueue>().StatisticsAsync()).Depth == 0, "the shared queue never emptied");
        await Task.Delay(1000);

        var recipients = sink.Accepted.SelectMany(m => m.To).ToList();
        var twice = recipients.GroupBy(r => r, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        Assert.Empty(twice);
        Assert.Equal(expected, recipients.Count);
        Assert.Equal(expected, recipients.Distinct(StringComparer.OrdinalIgnoreCase).Count());
    }

    [Fact]
    public async Task ConcurrentClaims_FromFourNodes_NeverTakeTheSameEntry_AndTakeThemAll()
    {
        // A database of its own with no engine running on it: the four queues below are the only claimants.
        await using var database = await QueueDatabase.CreateAsync();
        var queues = Enumerable.Range(0, 4).Select(_ => database.Queue(TimeSpan.FromMinutes(15))).ToList();
        const int entries = 300;
        for (var i = 0; i < entries; i++)
            await queues[i % 4].EnqueueAsync("sender@example.com", [$"r{i}@far.example"], Encoding.ASCII.GetBytes(EngineHost.Message("m" + i)), isBounce: false);

        var claims = new ConcurrentBag<(int Node, string Id)>();
        await Task.WhenAll(queues.Select((queue, n) => Task.Run(async () =>
        {
            // Each claimant comes back until a pass finds nothing: batches of 100 make them overlap. Like the worker,
            // it records each attempt (here: delivered, so the entry goes) before its next pass.
            while (true)
            {
                var due = await queue.DueAsync(DateTimeOffset.UtcNow.AddSeconds(1), CancellationToken.None);
                if (due.Count == 0)
                    return;
                foreach (var entry in due)
                {
                    claims.Add((n, entry.Id));
                    var sent = entry with { Recipients = entry.Recipients.Select(r => r with { Status = QueuedRecipientStatus.Delivered }).ToList(), Attempts = 1 };
                    Assert.True(await queue.UpdateAsync(sent, CancellationToken.None));
                }
            }
        })));

        var byId = claims.GroupBy(c => c.Id).ToList();
        Assert.Equal(entries, byId.Count);
        Assert.All(byId, g => Assert.Single(g));
        output.WriteLine("claims per node: " + string.Join(", ", claims.GroupBy(c => c.Node).OrderBy(g => g.Key).Select(g => $"{g.Key}: {g.Count()}")));
    }

    [Fact]
    public async Task AnEntryClaimedByANodeThatDied_IsTakenByAnotherOnceTheLeaseRunsOut_AndNotBefore()
    {
        await using var database = await QueueDatabase.CreateAsync();
        var dying = database.Queue(TimeSpan.FromSeconds(2));
        var survivor = database.Queue(TimeSpan.FromMinutes(15));
        var id = await dying.EnqueueAsync("sender@example.com", ["late@far.example"], Encoding.ASCII.GetBytes(EngineHost.Message("orphaned")), isBounce: false);

        Assert.Equal([id], (await dying.DueAsync(DateTimeOffset.UtcNow, CancellationToken.None)).Select(e => e.Id));
        // The node "dies" here: it never records the attempt. Within its lease nobody else may send the entry.
        Assert.Empty(await survivor.DueAsync(DateTimeOffset.UtcNow, CancellationToken.None));

        await WaitUntilAsync(async () => (await survivor.DueAsync(DateTimeOffset.UtcNow, CancellationToken.None)).Any(e => e.Id == id),
            "the survivor never took the dead node's entry");
        var message = await survivor.ReadMessageAsync(id, CancellationToken.None);
        Assert.Contains("Subject: orphaned", Encoding.ASCII.GetString(message!));
    }

    /// <summary>An engine database on PostgreSQL with no engine running on it; each <see cref="Queue"/> is one more node's queue.</summary>
    private sealed class QueueDatabase : IAsyncDisposable
    {
        private readonly string _admin, _name, _directory;
        private readonly EngineDatabase _db;
        private readonly IOptions<MailStorageOptions> _options;

        private QueueDatabase(string admin, string name, string directory)
        {
            (_admin, _name, _directory) = (admin, name, directory);
            _options = Options.Create(new MailStorageOptions
            {
                Provider = DatabaseProvider.PostgreSql,
                DataDirectory = directory,
                ConnectionString = new Npgsql.NpgsqlConnectionStringBuilder(admin) { Database = name }.ConnectionString,
            });
            _db = new EngineDatabase(_options, NullLogger<EngineDatabase>.Instance);
        }

        public static async Task<QueueDatabase> CreateAsync()
        {
            var admin = TestEnvironment.RequirePostgres();
            var name = "hp_queue_" + Guid.NewGuid().ToString("N")[..12];
            await using (var c = new Npgsql.NpgsqlConnection(admin))
            {
                await c.OpenAsync();
                await using var create = new Npgsql.NpgsqlCommand($"CREATE DATABASE {name}", c);
                await create.ExecuteNonQueryAsync();
            }
            var directory = Path.Combine(Path.GetTempPath(), "hp-queue-" + Guid.NewGuid().ToString("N"));
            System.IO.Directory.CreateDirectory(directory);
            return new QueueDatabase(admin, name, directory);
        }

        /// <summary>One node's queue (its own claim identity), without a worker.</summary>
        public OutboundQueue Queue(TimeSpan lease) =>
            new(_options, TimeProvider.System, NullLogger<OutboundQueue>.Instance, _db, Options.Create(new QueueOptions { ClaimLease = lease }));

        public async ValueTask DisposeAsync()
        {
            await _db.DisposeAsync();
            await using (var c = new Npgsql.NpgsqlConnection(_admin))
            {
                await c.OpenAsync();
                await using var drop = new Npgsql.NpgsqlCommand($"DROP DATABASE IF EXISTS {_name} WITH (FORCE)", c);
                await drop.ExecuteNonQueryAsync();
            }
            try { System.IO.Directory.Delete(_directory, recursive: true); } catch (IOException) { }
        }
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, string failure)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, failure);
            await Task.Delay(100);
        }
    }
}
