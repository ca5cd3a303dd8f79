using HostingPanel.Application.Common;
using HostingPanel.Application.Mailboxes;
using HostingPanel.MailEngine.Auth;
using HostingPanel.MailEngine.FrontDoor;
using HostingPanel.MailEngine.Hosting;
using HostingPanel.Provisioning;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace HostingPanel.Web.Hosting;

public static class MailEngineIntegration
{
    public static IServiceCollection AddMailRoles(this IServiceCollection services, IConfiguration configuration, PanelSettings settings)
    {
        services.AddSingleton<IMailboxPasswordHasher, DovecotMailboxPasswordHasher>();
        // One pool of hash checks for the whole process: the engine's logins and the portal's sign-ins share it.
        services.TryAddSingleton<PasswordCheckPool>();
        if (settings.Roles.Mail)
        {
            services.AddMailEngine(configuration);
            services.AddSingleton<HostingPanel.Web.Features.Domains.IDkimRecordSource, HostingPanel.Web.Features.Domains.EngineDkimRecords>();
        }
        else
        {
            // The engine's front door on a node without it: explicit stand-ins, never a null lookup.
            services.AddMailEngineStandIns(configuration);
            services.AddSingleton<MailEngine.Transfer.IMailboxTransfer, NoLocalMailEngine>();
            services.AddSingleton<MailEngine.Transfer.IMigrationJobs, NoLocalMigrationJobs>();
        }
        if (!settings.Roles.Mail) services.AddSingleton<HostingPanel.MailEngine.Sieve.IMailFilterAdmin, UnavailableMailFilterAdmin>();
        // Webmail's proof to the IMAP listener (a key file in the data directory; the engine registers the same one when it runs here).
        services.TryAddSingleton(_ => new WebmailTicket(configuration["Storage:DataDirectory"] is { Length: > 0 } dir ? dir : "data"));
        services.AddOptions<Features.Migrations.MigrationOptions>().Bind(configuration.GetSection(Features.Migrations.MigrationOptions.SectionName));
        services.AddScoped<Features.Migrations.MigrationService>();
        services.AddScoped<Features.Migrations.MigrationCsvImport>();
        services.AddSingleton<Features.Migrations.ImapMigrationRunner>();
        services.AddSingleton<Features.Migrations.MigrationSignal>();
        // Migrations copy into the engine's store: the worker runs them where the engine is.
        if (settings.Roles.Worker && settings.Roles.Mail)
        {
            services.AddSingleton<Features.Migrations.MigrationWorker>();
            services.AddHostedService(sp => new LeaderOnlyService<Features.Migrations.MigrationWorker>(sp.GetRequiredService<Features.Migrations.MigrationWorker>(), sp.GetRequiredService<WorkerLeadership>()));
        }
        Backup.ScheduledBackup.Register(services, configuration, settings);
        services.AddScoped<Features.Transfer.MailboxExporter>();
        services.AddSingleton<Features.Transfer.ExportProgress>();
        services.AddScoped<Features.Transfer.MailboxImportUpload>();
        // Explicit stand-ins where this process runs no engine: the pages and the API say so instead of failing on null.
        services.TryAddSingleton<HostingPanel.MailEngine.Delivery.IDeliveryLog, HostingPanel.Web.Features.Deliveries.AbsentDeliveryLog>();
        services.TryAddSingleton<HostingPanel.MailEngine.Delivery.IMailRouting, HostingPanel.Web.Features.Deliveries.AbsentMailRouting>();
        services.AddScoped<HostingPanel.Web.Features.Deliveries.DeliveryTracking>();
        services.AddScoped<HostingPanel.Web.Features.Operations.ProductionReadiness>();
        services.AddSingleton(sp => HostingPanel.Web.Features.Operations.SystemFigures.For(sp, settings.Roles.Mail, settings.Roles.Worker && settings.Roles.Mail));
        // Folder usage is read from the engine's tables: on a node without them, a stand-in says "not found".
        // The product's own mails (reset links) go out through the engine's notices; a node without it says it cannot send.
        services.AddSingleton<HostingPanel.Application.Users.IProductMail, EngineProductMail>();
        if (settings.Roles.Mail) services.AddSingleton<IMailboxFolderSource, EngineMailboxFolders>();
        else services.AddSingleton<IMailboxFolderSource, NoMailboxFolderSource>();
        if (settings.Roles.Mail) services.AddSingleton<IMailboxActivitySource, EngineMailboxActivity>();
        else services.AddSingleton<IMailboxActivitySource, NoMailboxActivitySource>();
        // The worker talks to the engine in this process; a worker-only node would need the engine's tables too.
        services.AddProvisioning(configuration, runWorker: settings.Roles.Worker && settings.Roles.Mail);
        return services;
    }
}

/// <summary>
/// The stand-in on a node without the mail role: mailbox export, import and migration need the engine's store in this
/// process, so they answer "not found" (the API says the mailbox has no store here) instead of reaching for a null service.
/// </summary>
public sealed class NoLocalMailEngine : MailEngine.Transfer.IMailboxTransfer
{
    public Task<MailEngine.Storage.MailboxAccount?> FindAsync(string address, CancellationToken ct = default) => Task.FromResult<MailEngine.Storage.MailboxAccount?>(null);
    public Task<IReadOnlyList<MailEngine.Transfer.TransferFolder>> ListFoldersAsync(long mailboxId, CancellationToken ct = default) => Task.FromResult<IReadOnlyList<MailEngine.Transfer.TransferFolder>>([]);
    public Task<IReadOnlyList<MailEngine.Transfer.TransferMessage>> ListMessagesAsync(long mailboxId, string folder, CancellationToken ct = default) => Task.FromResult<IReadOnlyList<MailEngine.Transfer.TransferMessage>>([]);
    public Stream OpenBody(MailEngine.Transfer.TransferMessage message) => throw new FileNotFoundException("no mail engine in this process");
    public Task<string?> EnsureFolderAsync(long mailboxId, string folder, string? specialUse, CancellationToken ct = default) => Task.FromResult<string?>(null);
    public Task<HashSet<string>> ExistingKeysAsync(long mailboxId, string folder, CancellationToken ct = default) => Task.FromResult(new HashSet<string>());
    public Task<MailEngine.Storage.AppendResult> AppendAsync(long mailboxId, string folder, Stream message, MailEngine.Storage.MessageFlags flags,
        IReadOnlyCollection<string> keywords, DateTimeOffset internalDate, CancellationToken ct = default) =>
        Task.FromResult(new MailEngine.Storage.AppendResult(MailEngine.Storage.StoreStatus.NotFound));
}

/// <summary>The stand-in for migration jobs on a node without the mail role: no job exists here, and none can be started.</summary>
public sealed class NoLocalMigrationJobs : MailEngine.Transfer.IMigrationJobs
{
    public Task<MailEngine.Transfer.MigrationJob> CreateAsync(string address, string host, int port, string security, string username, string secret, bool allowPrivate, CancellationToken ct = default) =>
        throw new InvalidOperationException("Migrations need the mail engine in this process (Roles includes Mail).");
    public Task<MailEngine.Transfer.MigrationJob?> GetAsync(string id, CancellationToken ct = default) => Task.FromResult<MailEngine.Transfer.MigrationJob?>(null);
    public Task<List<MailEngine.Transfer.MigrationJob>> PendingAsync(CancellationToken ct = default) => Task.FromResult(new List<MailEngine.Transfer.MigrationJob>());
    public Task<bool> MarkRunningAsync(string id, CancellationToken ct = default) => Task.FromResult(false);
    public Task<bool> PauseAsync(string id, CancellationToken ct = default) => Task.FromResult(false);
    public Task<bool> ResumeAsync(string id, CancellationToken ct = default) => Task.FromResult(false);
    public Task ReportAsync(string id, long messages, long bytes, long folders, long skipped, IReadOnlyList<string> errors, long total, long remaining, CancellationToken ct = default) => Task.CompletedTask;
    public Task FinishAsync(string id, string status, CancellationToken ct = default) => Task.CompletedTask;
}
