using HostingPanel.MailEngine.Storage;
using Xunit;

namespace HostingPanel.MailEngine.Tests;

public sealed class PostgresRelayTests
{
    [Fact]
    public async Task OnPostgres_AChangeMadeByOneEngineNode_ReachesSubscribersOnAnother()
    {
        await using var first = await EngineHost.StartPostgresAsync();
        await using var second = await EngineHost.StartPostgresAsync(new() { ["ConnectionStrings:Panel"] = first.PanelConnectionString });
        var account = await first.CreateMailboxAsync("nodes@example.com");
        var received = new TaskCompletionSource<MailboxChange>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var subscription = first.Store.Changes.Subscribe(account.Id, c => received.TrySetResult(c));
        await Task.Delay(500); // the second node's LISTEN connection

        var delivered = await second.DeliverAsync(account, EngineHost.Message("from the other node"));

        var change = await received.Task.WaitAsync(TimeSpan.FromSeconds(15));
        Assert.Equal(MailboxChangeKind.MessagesAdded, change.Kind);
        Assert.Equal([delivered.Uid], change.Uids);
    }
}
