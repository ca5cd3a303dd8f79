using System.Text;
using HostingPanel.MailEngine.FrontDoor;
using HostingPanel.MailEngine.Listeners;
using HostingPanel.MailEngine.Outbound;
using HostingPanel.MailEngine.Outbound.Limits;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace HostingPanel.MailEngine.Tests.FrontDoor;

/// <summary>
/// The engine's front door (docs/architecture.md): every service the panel and the worker use exists in every process,
/// the engine's own where it runs and an explicit stand-in where it does not, so no caller finds null.
/// </summary>
public sealed class MailEngineFrontDoorTests
{
    [Fact]
    public async Task WithoutTheEngine_EveryFrontDoorService_IsAStandIn_ThatSaysSo()
    {
        var services = new ServiceCollection().AddLogging();
        services.AddMailEngineStandIns(new ConfigurationBuilder().Build());
        await using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });

        foreach (var type in MailEngineFrontDoor.OnEveryNode)
            Assert.NotNull(provider.GetService(type));
        Assert.False(provider.GetRequiredService<MailEnginePresence>().RunsHere);
        Assert.Equal(0, (await provider.GetRequiredService<IOutboundQueueAdmin>().ListAsync(null, 0, 10)).Total);
        Assert.False(await provider.GetRequiredService<IOutboundQueueAdmin>().RetryNowAsync("any"));
        Assert.Empty(await provider.GetRequiredService<ISendingHolds>().ListAsync());
        Assert.False(await provider.GetRequiredService<ISendingHolds>().ReleaseAsync("bob@example.com"));
        Assert.Empty(provider.GetRequiredService<IMailListenerRegistry>().EndPoints);
        Assert.Equal(NoticeOutcome.NoEngineHere, await provider.GetRequiredService<INoticeDelivery>().SendAsync("bob@example.com", Encoding.ASCII.GetBytes(EngineHost.Message("x"))));
        Assert.False(provider.GetRequiredService<IMailboxUsageFeed>().IsLive);
        Assert.Null(provider.GetRequiredService<IForwardedSenderLookup>().OriginalSender("SRS0=abcd=AB=example.org=alice@example.com"));
    }

    [Fact]
    public async Task WithTheEngine_EveryFrontDoorService_IsTheEnginesOwn()
    {
        await using var engine = await EngineHost.StartAsync();
        foreach (var type in MailEngineFrontDoor.OnEveryNode)
        {
            var service = engine.Services.GetRequiredService(type);
            Assert.False(service.GetType().Name.StartsWith("Absent", StringComparison.Ordinal), $"{type.Name} is a stand-in: {service.GetType().Name}");
        }
        Assert.True(engine.Services.GetRequiredService<MailEnginePresence>().RunsHere);
        Assert.True(engine.Services.GetRequiredService<IMailboxUsageFeed>().IsLive);
        Assert.Equal(engine.ImapPort, engine.Services.GetRequiredService<IMailListenerRegistry>().GetPort("imap"));
    }

    [Fact]
    public async Task Notices_ReachTheMailboxItself_AndTheUsageFeedNamesIt_ButNotAnAddressThatIsNoMailbox()
    {
        await using var engine = await EngineHost.StartAsync();
        var bob = await engine.CreateMailboxAsync("bob@example.com");
        var notices = engine.Services.GetRequiredService<INoticeDelivery>();
        var changed = new List<long>();
        using (engine.Services.GetRequiredService<IMailboxUsageFeed>().Subscribe(id => { lock (changed) changed.Add(id); }))
        {
            var notice = Encoding.ASCII.GetBytes(EngineHost.Message("Your mailbox is 80% full", to: "bob@example.com"));
            Assert.Equal(NoticeOutcome.Sent, await notices.DeliverToMailboxAsync("bob@example.com", notice));
            Assert.Equal(NoticeOutcome.NoSuchMailbox, await notices.DeliverToMailboxAsync("nobody@example.com", notice));
        }
        var inbox = await engine.InboxAsync(bob);
        Assert.Equal(1, (await engine.Store.GetFolderStatusAsync(inbox.Id))!.Messages);
        lock (changed) Assert.Contains(bob.Id, changed);
    }
}
