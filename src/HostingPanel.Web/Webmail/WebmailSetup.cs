using Microsoft.Extensions.DependencyInjection.Extensions;

namespace HostingPanel.Web.Webmail;

public static class WebmailSetup
{
    public static IServiceCollection AddWebmail(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<WebmailOptions>(configuration.GetSection(WebmailOptions.SectionName));
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<MailEndpoints>();
        services.AddSingleton<WebmailSessions>();
        services.AddSingleton<ImapConnectionPool>();
        services.AddSingleton<MailHtmlSanitizer>();
        services.AddSingleton<WebmailRequestSlots>();
        services.AddSingleton<SanitizedHtmlCache>();
        services.AddSingleton<WebmailFolders>();
        services.AddSingleton<WebmailListing>();
        services.AddSingleton<WebmailReader>();
        services.AddSingleton<WebmailActions>();
        services.AddSingleton<WebmailComposer>();
        services.AddSingleton<WebmailWatcher>();
        services.AddScoped<WebmailAddresses>();
        return services;
    }
}
