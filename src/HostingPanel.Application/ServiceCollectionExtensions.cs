using Microsoft.Extensions.DependencyInjection.Extensions;
using FluentValidation;
using HostingPanel.Application.Aliases;
using HostingPanel.Application.ApiKeys;
using HostingPanel.Application.Common;
using HostingPanel.Application.Customers;
using HostingPanel.Application.Dashboard;
using HostingPanel.Application.Domains;
using HostingPanel.Application.Mailboxes;
using HostingPanel.Application.Resellers;
using HostingPanel.Application.Search;
using HostingPanel.Application.Staff;
using HostingPanel.Application.Users;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace HostingPanel.Application;

public static class ServiceCollectionExtensions
{
    /// <summary>The application services shared by the portal, the REST API and the worker.</summary>
    public static IServiceCollection AddPanelApplication(this IServiceCollection services)
    {
        services.AddValidatorsFromAssemblyContaining<CreateDomainValidator>(ServiceLifetime.Singleton);
        services.AddScoped<ChangeRecorder>();
        services.AddScoped<UnitOfWork>();
        services.AddScoped<PortalUsers>();
        services.AddScoped<AddressCollisionReport>();
        services.AddScoped<AccountStanding>();
        services.AddScoped<LoginRecovery>();
        services.AddScoped<PasswordResetByMail>();
        services.AddScoped<PortalSessionRegistry>();
        services.AddMemoryCache();
        services.AddScoped<Localization.UserPreferences>();
        services.AddScoped<Localization.ResellerDefaults>();
        Localization.LocalizedValidationMessages.Use();
        services.TryAddSingleton(TimeProvider.System);
        services.AddScoped<ResellerService>();
        services.AddScoped<CustomerService>();
        services.AddScoped<Tenants.TenantDeletionService>();
        services.AddScoped<DomainService>();
        services.AddScoped<DomainVerifier>();
        services.AddScoped<Certificates.DomainCertificateService>();
        // Replaced by the ACME renewal loop where the operator enabled it (Acme:Enabled).
        services.TryAddSingleton<Certificates.IDomainCertificateIssuer, Certificates.NoCertificateIssuer>();
        // Configuration is optional here: hosts without one (unit-test harnesses) get the defaults.
        services.AddSingleton(sp => new DomainNamePolicy(Configuration(sp)));
        services.AddSingleton<Dns.IDnsLookup>(sp => new Dns.DnsClientLookup(Configuration(sp)));
        services.AddOptions<DomainOptions>().Configure<IServiceProvider>((o, sp) => Configuration(sp).GetSection(DomainOptions.SectionName).Bind(o));
        services.AddScoped<HostedDomainLookup>();
        services.AddScoped<MailboxService>();
        services.AddScoped<ForwardingReach>();
        services.AddScoped<MailboxFolderService>();
        services.AddScoped<MailboxActivityService>();
        services.AddScoped<Usage.UsageHistoryService>();
        services.AddScoped<Quotas.DomainQuotaService>();
        services.AddScoped<AliasService>();
        services.AddScoped<ApiKeyService>();
        services.AddScoped<Bulk.BulkImportService>();
        services.AddScoped<Bulk.BulkExportService>();
        // Portal-only read models and staff accounts.
        services.AddScoped<DashboardService>();
        services.AddScoped<AddressSearchService>();
        services.AddScoped<StaffUserService>();
        services.AddScoped<Audit.AuditLogService>();
        return services;
    }

    private static IConfiguration Configuration(IServiceProvider sp) => sp.GetService<IConfiguration>() ?? new ConfigurationBuilder().Build();
}
