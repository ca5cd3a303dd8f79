using HostingPanel.MailEngine.Listeners;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace HostingPanel.Web.Hosting;

/// <summary>What a person starting the product needs to read: where it listens and how to log in.</summary>
public static class StartupBanner
{
    public static void Print(WebApplication app, string? generatedPassword)
    {
        var settings = app.Services.GetRequiredService<PanelSettings>();
        var config = app.Configuration;
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        var lines = new List<string>
        {
            "",
            "HostingPanel is running.",
            $"  Portal and API: {string.Join(", ", addresses)}",
            $"  Database:       {settings.Provider}",
            $"  Data directory: {settings.DataDirectory}",
        };
        lines.Add($"  Roles:          {RolesLine(settings.Roles)}");
        foreach (var line in MailPortLines(config, app.Services)) lines.Add(line);
        if (settings.Roles.Mail)
            lines.Add(config["Mail:Rspamd:Url"] is { Length: > 0 } rspamd
                ? $"  Spam filter:    rspamd at {rspamd} (accepts mail unfiltered while it is down)"
                : "  Spam filter:    none (Mail:Rspamd:Url is not set: inbound mail is not filtered)");
        var email = config["Bootstrap:AdminEmail"] ?? "admin@example.com";
        var passwordFile = Path.Combine(settings.DataDirectory, Bootstrapper.PasswordFileName);
        if (generatedPassword is not null)
        {
            lines.Add($"  First admin:    {email}");
            lines.Add($"  Password:       {generatedPassword}   (shown once; also in {passwordFile})");
        }
        else if (File.Exists(passwordFile))
        {
            lines.Add($"  Log in as {email}; the generated password is in {passwordFile}.");
        }
        else
        {
            lines.Add($"  Log in as {email} with Bootstrap:AdminPassword.");
        }
        if (HostnameWarning(config) is { } warning)
            lines.Add(warning);
        lines.Add("");
        Console.WriteLine(string.Join(Environment.NewLine, lines));
    }

    /// <summary>
    /// While Mail:Hostname is localhost (the default), that name ends up in greetings, the certificate, autoconfig and
    /// the MX records people copy from the setup page: fine on a laptop, wrong on a server.
    /// </summary>
    public static string? HostnameWarning(IConfiguration config)
    {
        if (!PanelRoles.Parse(config["Roles"]).Mail) return null;
        var hostname = config["Mail:Hostname"] ?? "localhost";
        return Features.Operations.ProductionReadiness.IsPublicName(hostname)
            ? null
            : $"  WARNING: Mail:Hostname is '{hostname}'. Set it to this server's public name (e.g. --Mail:Hostname=mail.example.com) before publishing MX records; the admin dashboard lists what else is not ready for production.";
    }

    /// <summary>The worker applies changes through the engine in its own process, so it runs only beside the Mail role.</summary>
    private static string RolesLine(PanelRoles roles)
    {
        var names = new[] { (roles.Portal, "Portal"), (roles.Worker, "Worker"), (roles.Mail, "Mail") }.Where(r => r.Item1).Select(r => r.Item2);
        var line = string.Join(", ", names);
        return roles.Worker && !roles.Mail
            ? line + " (worker off: it needs the Mail role in the same process; run Roles=Worker,Mail on the mail node)"
            : line;
    }

    /// <summary>
    /// The ports the listeners actually bound, from the engine's registry: a negative port in the settings asks the
    /// OS for a free one, and an operator (or a test) must be able to read which one it got.
    /// </summary>
    private static IEnumerable<string> MailPortLines(IConfiguration config, IServiceProvider services)
    {
        if (!PanelRoles.Parse(config["Roles"]).Mail) yield break;
        var registry = services.GetRequiredService<IMailListenerRegistry>();
        // Port 0 switches a listener off (docs/contract.md section 2).
        string At(string name, string what) =>
            registry.EndPoints.TryGetValue(name, out var endPoint) ? $"{endPoint} ({what})" : $"off ({what})";
        yield return $"  IMAP:           {At("imap", "STARTTLS")}, {At("imaps", "TLS")}";
        yield return $"  POP3:           {At("pop3", "STLS")}, {At("pop3s", "TLS")}";
        yield return $"  SMTP:           {At("smtp", "inbound")}, {At("submission", "submission, STARTTLS")}, {At("submissions", "TLS")}";
        yield return $"  ManageSieve:    {At("managesieve", "STARTTLS")}";
    }
}
