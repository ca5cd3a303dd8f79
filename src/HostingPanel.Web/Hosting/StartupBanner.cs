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
        foreach (var line in MailPortLines(config)) lines.Add(line);
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

    private static IEnumerable<string> MailPortLines(IConfiguration config)
    {
        if (!PanelRoles.Parse(config["Roles"]).Mail) yield break;
        var bind = config["Mail:BindAddress"] ?? "127.0.0.1";
        // Port 0 switches a listener off (docs/contract.md section 2).
        string At(string key, int fallback, string what)
        {
            var port = config[$"Mail:{key}:Port"] ?? fallback.ToString();
            return port == "0" ? $"off ({what})" : $"{bind}:{port} ({what})";
        }
        yield return $"  IMAP:           {At("Imap", 1143, "STARTTLS")}, {At("Imaps", 1993, "TLS")}";
        yield return $"  POP3:           {At("Pop3", 1110, "STLS")}, {At("Pop3s", 1995, "TLS")}";
        yield return $"  SMTP:           {At("Smtp", 2525, "inbound")}, {At("Submission", 1587, "submission, STARTTLS")}, {At("Submissions", 1465, "TLS")}";
        yield return $"  ManageSieve:    {At("ManageSieve", 4190, "STARTTLS")}";
    }
}
