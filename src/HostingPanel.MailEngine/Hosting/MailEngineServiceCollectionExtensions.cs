using HostingPanel.MailEngine.Admin;
using HostingPanel.MailEngine.Auth;
using HostingPanel.MailEngine.Delivery;
using HostingPanel.MailEngine.Directory;
using HostingPanel.MailEngine.FrontDoor;
using HostingPanel.MailEngine.Listeners;
using HostingPanel.MailEngine.Maintenance;
using HostingPanel.MailEngine.Outbound;
using HostingPanel.MailEngine.Sessions.ManageSieve;
using HostingPanel.MailEngine.Sessions.Pop3;
using HostingPanel.MailEngine.Sieve;
using Microsoft.Extensions.Options;
using HostingPanel.MailEngine.Storage;
using HostingPanel.MailEngine.Sessions.Imap.StoreAdapters;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace HostingPanel.MailEngine.Hosting;

public static class MailEngineServiceCollectionExtensions
{
    /// <summary>
    /// Registers the mail engine: store, directory, delivery, authentication, admin API and the
    /// IMAP and POP3 listeners (hosted services, started in registration order: store first, then listeners).
    /// Reads <c>Mail:*</c>, <c>Storage:DataDirectory</c>, <c>Database:Provider</c> and
    /// <c>ConnectionStrings:Mail</c> (else SQLite <c>{DataDirectory}/mail.db</c>, or on PostgreSQL the
    /// <c>ConnectionStrings:Panel</c> database, schema <c>mail</c>).
    /// </summary>
    public static IServiceCollection AddMailEngine(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<MailEngineOptions>().Bind(configuration.GetSection(MailEngineOptions.SectionName));
        // First of the hosted services: the open-files limit is checked (and raised) before any port is bound.
        services.AddFileDescriptorBudget();
        services.AddSingleton(sp => MailListenerFactory.Demand(sp.GetRequiredService<IOptions<MailEngineOptions>>().Value));
        services.AddOptions<MailStorageOptions>().Configure(o => ConfigureStorage(o, configuration));

        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<EngineDatabase>();
        // Early, so it stops late: closing its connection frees this node's POP3 maildrops and leadership.
        services.AddSingleton<ClusterLocks>();
        services.AddHostedService(sp => sp.GetRequiredService<ClusterLocks>());
        services.AddOptions<WorkerLeadershipOptions>();
        services.AddSingleton<WorkerLeadership>();
        services.AddHostedService(sp => sp.GetRequiredService<WorkerLeadership>());
        services.TryAddSingleton<IStoreFileSystem, PosixStoreFileSystem>();
        services.AddOptions<Storage.Blobs.BlobStorageOptions>().Bind(configuration.GetSection(Storage.Blobs.BlobStorageOptions.SectionName));
        services.AddSingleton<BodyStore>();
        services.AddSingleton<GroupCommitter>();
        services.AddSingleton<MailboxChangeNotifier>();
        services.AddSingleton<MailStore>();
        services.AddSingleton<MailDirectory>();
        services.AddOptions<SieveOptions>().Bind(configuration.GetSection(SieveOptions.SectionName));
        services.AddSingleton<SieveScriptStore>();
        services.AddSingleton<SieveVacationLog>();
        services.AddSingleton<SieveVacationResponder>();
        services.AddSingleton<SieveGlobalScripts>();
        services.AddSingleton<SieveNotifier>();
        services.AddSingleton<SieveDelivery>();
        services.AddSingleton<SieveFilterAdmin>();
        services.AddSingleton<IMailFilterAdmin>(sp => sp.GetRequiredService<SieveFilterAdmin>());
        services.AddOptions<Outbound.Srs.SrsOptions>().Bind(configuration.GetSection(Outbound.Srs.SrsOptions.SectionName));
        services.AddSingleton<Outbound.Srs.SrsRewriter>();
        services.AddSingleton<MailDelivery>();
        services.AddSingleton<LoginThrottle>();
        services.TryAddSingleton<PasswordCheckPool>();
        services.AddSingleton<MailAuthenticator>();
        services.AddSingleton<LoginActivity>();
        services.AddHostedService(sp => sp.GetRequiredService<LoginActivity>());
        services.TryAddSingleton(sp => new WebmailTicket(sp.GetRequiredService<IOptions<MailStorageOptions>>().Value.DataDirectory));
        services.AddSingleton<MailboxActivityAdmin>();
        services.AddSingleton<IMailboxActivityAdmin>(sp => sp.GetRequiredService<MailboxActivityAdmin>());
        services.AddSingleton<PasswordHasher>();
        services.AddSingleton<Dkim.DkimKeyProtector>();
        services.AddSingleton<Dkim.DkimKeyStore>();
        services.AddSingleton<MailEngineAdmin>();
        services.AddSingleton<IMailEngineAdmin>(sp => sp.GetRequiredService<MailEngineAdmin>());
        services.AddSingleton<MailTlsCertificate>();
        services.AddMetrics();
        services.AddSingleton<MailMetrics>();
        services.AddHostedService<MailMetricsSampler>();
        services.AddOptions<DeliveryLogOptions>().Bind(configuration.GetSection(DeliveryLogOptions.SectionName));
        services.AddSingleton<DeliveryLogWriter>();
        services.AddHostedService(sp => sp.GetRequiredService<DeliveryLogWriter>());
        services.AddSingleton<DeliveryRecorder>();
        services.AddSingleton<IDeliveryLog, DeliveryLog>();
        services.AddSingleton<IMailRouting, MailRouting>();
        services.AddSingleton<MailEngineHealth>();
        services.AddSingleton<MailListenerRegistry>();
        services.AddSingleton<IMailListenerRegistry>(sp => sp.GetRequiredService<MailListenerRegistry>());
        services.AddSingleton<MailListenerFactory>();
        services.AddSingleton<Pop3MaildropLocks>();
        services.AddSingleton<Pop3Retention>();
        services.AddSingleton<FolderRetention>();
        services.AddSingleton<MailboxFolderAdmin>();
        services.AddSingleton<IMailboxFolderAdmin>(sp => sp.GetRequiredService<MailboxFolderAdmin>());
        services.AddSingleton<MailMaintenanceService>();
        services.AddSingleton<ImapStoreAuthenticator>();
        services.AddSingleton<Transfer.IMailboxTransfer, Transfer.MailboxTransfer>();
        services.AddSingleton<Transfer.IMigrationJobs, Transfer.MigrationJobs>();

        services.AddHostedService(sp => sp.GetRequiredService<MailMaintenanceService>());
        services.AddHostedService<PostgresChangeRelay>();
        services.AddHostedService<Pop3Listeners>();
        services.AddHostedService<ImapListeners>();
        services.AddMailEngineSmtp(configuration);
        services.AddFrontDoor();
        services.AddHostedService<ManageSieveListeners>();
        return services;
    }

    private static void ConfigureStorage(MailStorageOptions o, IConfiguration configuration)
    {
        o.DataDirectory = Path.GetFullPath(configuration["Storage:DataDirectory"] is { Length: > 0 } dir ? dir : "data");
        System.IO.Directory.CreateDirectory(o.DataDirectory);
        o.Provider = Enum.TryParse<DatabaseProvider>(configuration["Database:Provider"], ignoreCase: true, out var provider) ? provider : DatabaseProvider.Sqlite;
        var mail = configuration.GetConnectionString("Mail");
        if (!string.IsNullOrWhiteSpace(mail))
        {
            o.ConnectionString = mail;
        }
        else if (o.Provider == DatabaseProvider.PostgreSql)
        {
            o.ConnectionString = configuration.GetConnectionString("Panel")
                ?? throw new InvalidOperationException("Database:Provider is PostgreSql but neither ConnectionStrings:Mail nor ConnectionStrings:Panel is set");
        }
        else
        {
            o.ConnectionString = new SqliteConnectionStringBuilder
            {
                DataSource = Path.Combine(o.DataDirectory, "mail.db"),
                ForeignKeys = true,
                Pooling = true,
                DefaultTimeout = 30,
            }.ToString();
        }
    }
}
