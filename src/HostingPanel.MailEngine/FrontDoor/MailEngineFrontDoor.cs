using HostingPanel.MailEngine.Auth;
using HostingPanel.MailEngine.Hosting;
using HostingPanel.MailEngine.Listeners;
using HostingPanel.MailEngine.Outbound;
using HostingPanel.MailEngine.Outbound.Limits;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace HostingPanel.MailEngine.FrontDoor;

/// <summary>
/// The engine's front door: what the portal and the worker use of it (docs/architecture.md, "The engine's front door").
/// Every service in <see cref="OnEveryNode"/> resolves in every process: the engine's own where it runs
/// (<c>AddMailEngine</c>), an explicit stand-in where it does not (<see cref="AddMailEngineStandIns"/>), so no caller
/// asks the container for one and finds null.
/// </summary>
public static class MailEngineFrontDoor
{
    /// <summary>The front door's services that exist on every node, with or without the Mail role.</summary>
    public static IReadOnlyList<Type> OnEveryNode { get; } =
    [
        typeof(MailEnginePresence),
        typeof(IOutboundQueueAdmin),
        typeof(ISendingHolds),
        typeof(IMailListenerRegistry),
        typeof(INoticeDelivery),
        typeof(IMailboxUsageFeed),
        typeof(IForwardedSenderLookup),
        typeof(LoginThrottle),
    ];

    /// <summary>Registers the engine's side of the front door; called by <c>AddMailEngine</c>.</summary>
    internal static IServiceCollection AddFrontDoor(this IServiceCollection services)
    {
        services.AddSingleton(new MailEnginePresence(RunsHere: true));
        services.AddSingleton<INoticeDelivery, NoticeDelivery>();
        services.AddSingleton<IMailboxUsageFeed, MailboxUsageFeed>();
        services.AddSingleton<IForwardedSenderLookup, SrsForwardedSenderLookup>();
        return services;
    }

    /// <summary>
    /// The stand-ins for a process that runs no engine: an empty queue, no sending holds, no listeners, notices that
    /// cannot be delivered from here, a usage feed that never reports. The login throttle is the real one: the portal's
    /// sign-in is throttled the same way on every node.
    /// </summary>
    public static IServiceCollection AddMailEngineStandIns(this IServiceCollection services, IConfiguration configuration)
    {
        // The throttle's limits are the engine's (Mail:Auth:*), read the same way on every node.
        services.AddOptions<MailEngineOptions>().Bind(configuration.GetSection(MailEngineOptions.SectionName));
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(new MailEnginePresence(RunsHere: false));
        services.TryAddSingleton<IOutboundQueueAdmin, AbsentOutboundQueue>();
        services.TryAddSingleton<ISendingHolds, AbsentSendingHolds>();
        services.TryAddSingleton<IMailListenerRegistry, AbsentMailListeners>();
        services.TryAddSingleton<INoticeDelivery, AbsentNoticeDelivery>();
        services.TryAddSingleton<IMailboxUsageFeed, AbsentUsageFeed>();
        services.TryAddSingleton<IForwardedSenderLookup, AbsentForwardedSenderLookup>();
        services.TryAddSingleton<LoginThrottle>();
        return services;
    }
}
