using HostingPanel.Application.Common;
using HostingPanel.MailEngine.Auth;
using HostingPanel.MailEngine.Hosting;
using HostingPanel.Provisioning;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace HostingPanel.Web.Hosting;

/// <summary>Mailbox passwords are hashed the way the engine verifies them (Dovecot's {ARGON2ID}).</summary>
public sealed class DovecotMailboxPasswordHasher(PasswordCheckPool pool) : IMailboxPasswordHasher
{
    public string Hash(string password) => DovecotPassword.HashArgon2Id(password);
    public bool Verify(string hash, string password) => DovecotPassword.Verify(password, hash);
    public bool IsImportableHash(string hash) => DovecotHashFormat.IsImportable(hash);
    public string? CostLimitExceeded(string hash) => DovecotHashCost.Exceeded(hash);

    public Task<bool> VerifyAsync(string hash, string password, string tenant, CancellationToken ct = default) =>
        pool.RunOnThreadPoolAsync(tenant, () => DovecotPassword.Verify(password, hash), ct);
}

public static class MailEngineIntegration
{
    public static IServiceCollection AddMailRoles(this IServiceCollection services, IConfiguration configuration, PanelSettings settings)
    {
        services.AddSingleton<IMailboxPasswordHasher, DovecotMailboxPasswordHasher>();
        // One pool of hash checks for the whole process: the engine's logins and the portal's sign-ins share it.
        services.TryAddSingleton<PasswordCheckPool>();
        if (settings.Roles.Mail) services.AddMailEngine(configuration);
        // The worker talks to the engine in this process; a worker-only node would need the engine's tables too.
        services.AddProvisioning(configuration, runWorker: settings.Roles.Worker && settings.Roles.Mail);
        return services;
    }
}
