using HostingPanel.MailEngine.Listeners;
using HostingPanel.MailEngine.Outbound;
using HostingPanel.MailEngine.Sessions.Smtp;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace HostingPanel.MailEngine.Hosting;

public static class SmtpServiceCollectionExtensions
{
    /// <summary>
    /// SMTP (MX and submission listeners) and the outbound queue with its worker. Called by
    /// AddMailEngine after the store; reads <c>Mail:SmtpLimits</c>, <c>Mail:Relay</c>, <c>Mail:Queue</c>.
    /// </summary>
    public static IServiceCollection AddMailEngineSmtp(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<SmtpLimitsOptions>().Bind(configuration.GetSection(SmtpLimitsOptions.SectionName));
        // Mail:Relay:DnsServers (older, for MX lookups only) wins; otherwise the product-wide Dns:Servers.
        services.AddOptions<RelayOptions>().Bind(configuration.GetSection(RelayOptions.SectionName)).PostConfigure(o =>
        {
            if (o.DnsServers.Count == 0)
                o.DnsServers.AddRange(configuration.GetSection("Dns:Servers").GetChildren().Select(c => c.Value).OfType<string>().Where(v => v.Length > 0));
        });
        services.AddOptions<QueueOptions>().Bind(configuration.GetSection(QueueOptions.SectionName));
        services.AddSingleton<OutboundQueue>();
        services.AddSingleton<IOutboundQueueAdmin>(sp => sp.GetRequiredService<OutboundQueue>());
        services.TryAddSingleton<IMxResolver, DnsMxResolver>();
        services.AddOptions<Dkim.DkimOptions>().Bind(configuration.GetSection(Dkim.DkimOptions.SectionName));
        services.AddSingleton<Dkim.OutboundDkimSigner>();
        services.AddSingleton<OutboundTlsValidator>();
        services.AddSingleton<Outbound.MtaSts.MtaStsPolicySource>();
        // Parsed now: a malformed Dns:TrustAnchors entry stops start-up with its reason, not the first delivery.
        services.AddSingleton(new Outbound.Dane.DnssecTrustAnchors(configuration.GetSection("Dns:TrustAnchors").GetChildren().Select(c => c.Value ?? "")));
        services.AddSingleton<Outbound.Dane.DnssecResolver>();
        services.AddSingleton<Outbound.Dane.DanePolicySource>();
        services.AddSingleton<OutboundRelay>();
        services.AddOptions<Outbound.Backscatter.BounceOptions>().Bind(configuration.GetSection(Outbound.Backscatter.BounceOptions.SectionName));
        services.AddSingleton<Outbound.Backscatter.SenderVerifier>();
        services.AddSingleton<BounceSender>();
        services.AddSingleton<Delivery.ExternalExpansionLimiter>();
        services.AddOptions<Outbound.Limits.SendLimitOptions>().Bind(configuration.GetSection(Outbound.Limits.SendLimitOptions.SectionName));
        services.AddSingleton<Outbound.Limits.SendLimiter>();
        services.AddSingleton<Outbound.Limits.ISendingHolds>(sp => sp.GetRequiredService<Outbound.Limits.SendLimiter>());
        services.AddOptions<Delivery.Rspamd.RspamdOptions>().Bind(configuration.GetSection(Delivery.Rspamd.RspamdOptions.SectionName));
        services.AddSingleton<Delivery.Rspamd.RspamdClient>();
        services.AddSingleton<Delivery.Rspamd.RspamdLearning>();
        services.AddHostedService(sp => sp.GetRequiredService<Delivery.Rspamd.RspamdLearning>());
        services.AddSingleton<SmtpDeliverability>();
        services.AddSingleton<OutboundWorker>();
        services.AddHostedService<SmtpListeners>();
        services.AddHostedService(sp => sp.GetRequiredService<OutboundWorker>());
        return services;
    }
}
