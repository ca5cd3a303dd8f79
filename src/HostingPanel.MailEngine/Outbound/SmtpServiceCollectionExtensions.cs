using HostingPanel.MailEngine.Listeners;
using HostingPanel.MailEngine.Sessions.Smtp;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace HostingPanel.MailEngine.Outbound;

public static class SmtpServiceCollectionExtensions
{
    /// <summary>
    /// SMTP (MX and submission listeners) and the outbound queue with its worker. Called by
    /// AddMailEngine after the store; reads <c>Mail:SmtpLimits</c>, <c>Mail:Relay</c>, <c>Mail:Queue</c>.
    /// </summary>
    public static IServiceCollection AddMailEngineSmtp(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<SmtpLimitsOptions>().Bind(configuration.GetSection(SmtpLimitsOptions.SectionName));
        services.AddOptions<RelayOptions>().Bind(configuration.GetSection(RelayOptions.SectionName));
        services.AddOptions<QueueOptions>().Bind(configuration.GetSection(QueueOptions.SectionName));
        services.AddSingleton<OutboundQueue>();
        services.AddSingleton<IOutboundQueueAdmin>(sp => sp.GetRequiredService<OutboundQueue>());
        services.TryAddSingleton<IMxResolver, DnsMxResolver>();
        services.AddSingleton<OutboundRelay>();
        services.AddSingleton<BounceSender>();
        services.AddSingleton<OutboundWorker>();
        services.AddHostedService<SmtpListeners>();
        services.AddHostedService(sp => sp.GetRequiredService<OutboundWorker>());
        return services;
    }
}
