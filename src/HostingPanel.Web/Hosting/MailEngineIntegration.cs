using HostingPanel.Application.Common;
using HostingPanel.Application.Mailboxes;
using HostingPanel.MailEngine.Auth;
using HostingPanel.MailEngine.Hosting;
using HostingPanel.Provisioning;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace HostingPanel.Web.Hosting;

/// <summary>Mailbox passwords are hashed the way the engine verifies them (Dovecot's {ARGON2ID}).</summary>
public sealed class DovecotMailboxPasswordHasher : IMailboxPasswordHasher
{
    public string Hash(string password) => DovecotPassword.HashArgon2Id(password);
    public bool Verify(string hash, string password) => DovecotPassword.Verify(password, hash);
    public bool IsImportableHash(string hash) => DovecotHashFormat.IsImportable(hash);
}

public static class MailEngineIntegration
{
    public static IServiceCollection AddMailRoles(this IServiceCollection services, IConfiguration configuration, PanelSettings settings)
    {
        services.AddSingleton<IMailboxPasswordHasher, DovecotMailboxPasswordHasher>();
        if (settings.Roles.Mail) services.AddMailEngine(configuration);
        // Explicit stand-ins where this process runs no engine: the pages and the API say so instead of failing on null.
        services.TryAddSingleton<HostingPanel.MailEngine.Delivery.IDeliveryLog, HostingPanel.Web.Features.Deliveries.AbsentDeliveryLog>();
        services.TryAddSingleton<HostingPanel.MailEngine.Delivery.IMailRouting, HostingPanel.Web.Features.Deliveries.AbsentMailRouting>();
        services.AddScoped<HostingPanel.Web.Features.Deliveries.DeliveryTracking>();
        services.AddScoped<HostingPanel.Web.Features.Operations.ProductionReadiness>();
        services.AddSingleton(sp => HostingPanel.Web.Features.Operations.SystemFigures.For(sp, settings.Roles.Mail, settings.Roles.Worker && settings.Roles.Mail));
        // Folder usage is read from the engine's tables: on a node without them, a stand-in says "not found".
        if (settings.Roles.Mail) services.AddSingleton<IMailboxFolderSource, EngineMailboxFolders>();
        else services.AddSingleton<IMailboxFolderSource, NoMailboxFolderSource>();
        // The worker talks to the engine in this process; a worker-only node would need the engine's tables too.
        services.AddProvisioning(configuration, runWorker: settings.Roles.Worker && settings.Roles.Mail);
        return services;
    }
}
