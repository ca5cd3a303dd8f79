using System.Net.Sockets;
using Xunit;

namespace HostingPanel.MailEngine.Tests.Pop3;

/// <summary>Measures the process, so it runs alone: other tests' memory and threads would count too.</summary>
[CollectionDefinition(nameof(Pop3ResourceTests), DisableParallelization = true)]
public sealed class Pop3ResourceCollection;

[Collection(nameof(Pop3ResourceTests))]
public sealed class Pop3ResourceTests
{
    [Fact]
    public async Task IdleConnections_CostAFewKilobytesEach_AndNoThreads()
    {
        await using var engine = await EngineHost.StartAsync();
        const int connections = 300;
        await using (var warm = await Pop3Wire.ConnectAsync(engine.Pop3Port)) { }
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var memoryBefore = GC.GetTotalMemory(forceFullCollection: true);
        var threadsBefore = System.Diagnostics.Process.GetCurrentProcess().Threads.Count;

        var clients = new List<(TcpClient Client, StreamReader Reader)>();
        for (var i = 0; i < connections; i++)
        {
            var client = new TcpClient();
            await client.ConnectAsync("127.0.0.1", engine.Pop3Port);
            var reader = new StreamReader(client.GetStream());
            Assert.StartsWith("+OK", await reader.ReadLineAsync());
            clients.Add((client, reader));
        }
        var memoryAfter = GC.GetTotalMemory(forceFullCollection: true);
        var threadsAfter = System.Diagnostics.Process.GetCurrentProcess().Threads.Count;

        // Both ends live in this process, so the figure includes the test's own clients: an upper bound.
        var perConnection = (memoryAfter - memoryBefore) / connections;
        TestContext.Current.TestOutputHelper?.WriteLine($"{perConnection} bytes and {threadsAfter - threadsBefore} threads per {connections} idle connections");
        Assert.True(perConnection < 16 * 1024, $"{perConnection} bytes per idle connection (client side included)");
        // A thread per connection would add 300; the thread pool may still grow by a few dozen on a loaded machine
        // (it counts the whole process), so the bound is a fifth of the connections, far from either.
        Assert.True(threadsAfter - threadsBefore < connections / 5, $"{threadsAfter - threadsBefore} more threads for {connections} connections");
        foreach (var (client, _) in clients)
            client.Dispose();
    }
}
