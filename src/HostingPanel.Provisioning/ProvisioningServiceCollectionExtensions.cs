using HostingPanel.Application.Common;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

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
        if (runWorker)
        {
            services.AddHostedService(sp => sp.GetRequiredService<OutboxProcessor>());
            services.AddHostedService(sp => sp.GetRequiredService<UsageSync>());
            services.AddHostedService(sp => sp.GetRequiredService<MaintenanceLoop>());
        }
        return services;
    }
}
