using System.Net;
using HostingPanel.MailEngine.Listeners;
using HostingPanel.MailEngine.Outbound;
using HostingPanel.MailEngine.Outbound.Limits;

namespace HostingPanel.MailEngine.FrontDoor;

// The front door's stand-ins for a process without the Mail role (MailEngineFrontDoor.AddMailEngineStandIns): each
// answers as an engine that holds nothing would, so a caller never looks a service up and finds null.

/// <summary>No queue on this node: empty, and no message to retry or delete.</summary>
internal sealed class AbsentOutboundQueue : IOutboundQueueAdmin
{
    public Task<IReadOnlyList<QueuedMessage>> ListAsync(CancellationToken ct = default) => Task.FromResult<IReadOnlyList<QueuedMessage>>([]);
    public Task<QueueListing> ListAsync(string? search, int skip, int take, CancellationToken ct = default) => Task.FromResult(new QueueListing([], 0));
    public Task<bool> RetryNowAsync(string id, CancellationToken ct = default) => Task.FromResult(false);
    public Task<bool> DeleteAsync(string id, CancellationToken ct = default) => Task.FromResult(false);
}

/// <summary>No sending is limited on this node: no hold to show or release.</summary>
internal sealed class AbsentSendingHolds : ISendingHolds
{
    public Task<IReadOnlyList<SendingHold>> ListAsync(CancellationToken ct = default) => Task.FromResult<IReadOnlyList<SendingHold>>([]);
    public Task<SendingHold?> GetAsync(string address, CancellationToken ct = default) => Task.FromResult<SendingHold?>(null);
    public Task<bool> ReleaseAsync(string address, CancellationToken ct = default) => Task.FromResult(false);
}

/// <summary>No listener is bound by this process.</summary>
internal sealed class AbsentMailListeners : IMailListenerRegistry
{
    public IReadOnlyDictionary<string, IPEndPoint> EndPoints { get; } = new Dictionary<string, IPEndPoint>();
    public int? GetPort(string name) => null;
}

/// <summary>Nothing can be delivered from a node without the engine.</summary>
internal sealed class AbsentNoticeDelivery : INoticeDelivery
{
    public Task<NoticeOutcome> SendAsync(string recipient, byte[] message, CancellationToken ct = default) => Task.FromResult(NoticeOutcome.NoEngineHere);
    public Task<NoticeOutcome> DeliverToMailboxAsync(string mailboxAddress, byte[] message, CancellationToken ct = default) => Task.FromResult(NoticeOutcome.NoEngineHere);
}

/// <summary>No mailbox changes here to report.</summary>
internal sealed class AbsentUsageFeed : IMailboxUsageFeed
{
    public bool IsLive => false;
    public IDisposable Subscribe(Action<long> mailboxChanged) => NoSubscription.Instance;

    private sealed class NoSubscription : IDisposable
    {
        public static readonly NoSubscription Instance = new();
        public void Dispose() { }
    }
}
