using HostingPanel.MailEngine.Hosting;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace HostingPanel.Web.Hosting.Acme;

/// <summary>Registration of the ACME client (Acme:*), its HTTP-01 responder and the portal's HTTPS certificate choice.</summary>
public static class AcmeSetup
{
    public static IServiceCollection AddAcme(this IServiceCollection services, IConfiguration configuration, PanelSettings settings)
    {
        var section = configuration.GetSection(AcmeOptions.SectionName);
        services.AddOptions<AcmeOptions>().Bind(section);
        services.AddSingleton<AcmeChallenges>();
        var options = section.Get<AcmeOptions>() ?? new AcmeOptions();
        if (!options.Enabled) return services;
        // The CA validates through this process's portal, and the certificates go to this process's listeners.
        if (!settings.Roles.Portal || !settings.Roles.Mail)
            throw new StartupProblem("Acme:Enabled needs the Portal and Mail roles in the same process (Roles), which answer the CA's HTTP-01 check and serve the certificates.");
        if (!Uri.TryCreate(options.DirectoryUrl, UriKind.Absolute, out var directory) || directory.Scheme != Uri.UriSchemeHttps)
            throw new StartupProblem($"Acme:DirectoryUrl '{options.DirectoryUrl}' is not an https:// URL.");
        if (!string.IsNullOrEmpty(options.TrustedCaPath) && !File.Exists(options.TrustedCaPath))
            throw new StartupProblem($"Acme:TrustedCaPath '{options.TrustedCaPath}' does not exist.");
        try
        {
            AcmeNames.Of(configuration["Mail:Hostname"] ?? "localhost", options.Names);
        }
        catch (ArgumentException e)
        {
            throw new StartupProblem(e.Message + " (Mail:Hostname and Acme:Names:N must be public host names when Acme:Enabled is true).");
        }
        services.TryAddKeyedSingleton(AcmeRenewalService.ClockKey, TimeProvider.System);
        services.AddSingleton<AcmeRenewalService>();
        services.AddHostedService(sp => sp.GetRequiredService<AcmeRenewalService>());
        services.AddSingleton<Application.Certificates.IDomainCertificateIssuer>(sp => sp.GetRequiredService<AcmeRenewalService>());
        return services;
    }

    /// <summary>
    /// With Acme:Enabled, an https:// endpoint of the portal (Urls) needs no certificate of its own: each handshake gets
    /// the one the mail listeners would give for the same SNI name, so a renewal reaches the portal's next handshake too.
    /// </summary>
    public static void ConfigureKestrel(WebApplicationBuilder builder)
    {
        if (!builder.Configuration.GetValue<bool>($"{AcmeOptions.SectionName}:{nameof(AcmeOptions.Enabled)}")) return;
        builder.WebHost.ConfigureKestrel(k => k.ConfigureHttpsDefaults(h =>
            h.ServerCertificateSelector = (_, name) => k.ApplicationServices.GetRequiredService<MailTlsCertificate>().CertificateFor(name)));
    }
}
