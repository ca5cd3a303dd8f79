using HostingPanel.Application.Common;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using HostingPanel.MailEngine.Hosting;

namespace HostingPanel.Provisioning;

public static class ProvisioningServiceCollectionExtensions
{
    /// <summary>
    /// The signal that wakes the worker is registered on every node that writes changes; the worker's loops
    /// only where <paramref name="runWorker"/> is true.
    /// </summary>
    public static IServiceCollection AddProvisioning(this IServiceCollection services, IConfiguration configuration, bool runWorker)
    {
        services.AddOptions<ProvisioningOptions>().Bind(configuration.GetSection(ProvisioningOptions.SectionName));
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<ProvisioningSignal>();
        services.AddMetrics();
        services.AddSingleton<WorkerStatus>();
        services.AddSingleton<IOutboxSignal>(sp => sp.GetRequiredService<ProvisioningSignal>());
        services.AddScoped<EntityApplier>();
        services.AddScoped<QuotaWarnings>();
        services.AddSingleton<OutboxProcessor>();
        services.AddSingleton<UsageSync>();
        services.AddSingleton<Reconciler>();
        services.AddSingleton<Purger>();
        services.AddSingleton<MaintenanceLoop>();
        services.AddSingleton<DomainVerificationLoop>();
        // Every node with the worker role stands for leadership; only the elected one runs the loops (several nodes on
        // one PostgreSQL database), and another takes over within seconds when it dies.
        services.PostConfigure<WorkerLeadershipOptions>(o => o.Candidate = runWorker);
        if (runWorker)
        {
            services.AddHostedService(sp => new LeaderOnlyService<DomainVerificationLoop>(sp.GetRequiredService<DomainVerificationLoop>(), sp.GetRequiredService<WorkerLeadership>()));
            services.AddHostedService(sp => new LeaderOnlyService<OutboxProcessor>(sp.GetRequiredService<OutboxProcessor>(), sp.GetRequiredService<WorkerLeadership>()));
            services.AddHostedService(sp => new LeaderOnlyService<UsageSync>(sp.GetRequiredService<UsageSync>(), sp.GetRequiredService<WorkerLeadership>()));
            services.AddHostedService(sp => new LeaderOnlyService<MaintenanceLoop>(sp.GetRequiredService<MaintenanceLoop>(), sp.GetRequiredService<WorkerLeadership>()));
        }
        return services;
    }
}
