using HostingPanel.Data;
using HostingPanel.MailEngine.Hosting;
using HostingPanel.MailEngine.Outbound;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace HostingPanel.Web.Features.Operations;

/// <param name="Ready">False: <paramref name="Hint"/> says what to do.</param>
public sealed record ReadinessItem(string Title, bool Ready, string Hint);

/// <summary>
/// The first-run check on the admin's dashboard and System page: what still stands between this installation and
/// mail from the Internet. Host name, certificate, listeners' bind address, the portal's scheme, and whether each
/// domain's MX record names this host (looked up with a short timeout, remembered for five minutes).
/// </summary>
public sealed class ProductionReadiness(
    IOptions<MailEngineOptions> mail, IServiceProvider services, HostingPanelDbContext db, IMemoryCache cache, IConfiguration configuration,
    HostingPanel.Application.Users.AddressCollisionReport collisions)
{
    private const int MaxCollisionsShown = 20;

    private const int MaxDomainsChecked = 20;
    private static readonly TimeSpan LookupTimeout = TimeSpan.FromSeconds(3);

    public async Task<IReadOnlyList<ReadinessItem>> CheckAsync(CancellationToken ct)
    {
        var items = new List<ReadinessItem>();
        var hostname = mail.Value.Hostname;
        var hostnameReady = IsPublicName(hostname);
        items.Add(new ReadinessItem("Host name", hostnameReady, hostnameReady
            ? $"Mail:Hostname is {hostname}."
            : $"Mail:Hostname is '{hostname}': set it to this server's public name (it goes into greetings, certificates, MX records and mail program setup)."));

        // The engine's parts exist only where this process runs the mail role.
        if (services.GetService<MailEngineHealth>() is { } engine)
        {
            var certificate = engine.Certificate();
            items.Add(new ReadinessItem("TLS certificate", !certificate.SelfSigned, certificate.SelfSigned
                ? $"The mail listeners present a self-signed certificate for {certificate.Subject}: mail programs warn about it. Set Mail:Tls:CertificatePath and Mail:Tls:KeyPath to a certificate from a public authority."
                : $"{certificate.Subject}, valid until {certificate.NotAfter:yyyy-MM-dd}."));
            var loopback = System.Net.IPAddress.TryParse(mail.Value.BindAddress, out var bind) && System.Net.IPAddress.IsLoopback(bind);
            items.Add(new ReadinessItem("Mail ports reachable", !loopback, loopback
                ? $"The mail listeners bind {mail.Value.BindAddress} only: set Mail:BindAddress to 0.0.0.0 (or the public address) and open ports 25, 143, 587, 993 and 995."
                : $"The mail listeners bind {mail.Value.BindAddress}; check from outside that ports 25, 143, 587, 993 and 995 answer, and ask the provider for reverse DNS naming {hostname}."));
            if (hostnameReady && services.GetService<IMxResolver>() is { } mx)
                items.AddRange(await DomainMxAsync(mx, hostname, ct));
        }

        var urls = configuration["Urls"] ?? "";
        var https = urls.Contains("https://", StringComparison.OrdinalIgnoreCase) || configuration.GetSection("Http:KnownProxies").Exists();
        items.Add(new ReadinessItem("Portal over HTTPS", https, https
            ? "The portal is served over HTTPS or behind a listed proxy."
            : "The portal answers plain HTTP: put it behind a TLS proxy (and list it in Http:KnownProxies) or give Kestrel an HTTPS endpoint."));
        items.AddRange(await CollisionsAsync(ct));
        return items;
    }

    /// <summary>Issue 16.8: portal logins that are also hosted addresses (made before that was refused), each with what to do.</summary>
    private async Task<IEnumerable<ReadinessItem>> CollisionsAsync(CancellationToken ct)
    {
        var found = await collisions.FindAsync(ct);
        if (found.Count == 0)
            return [new ReadinessItem("Sign-in addresses", true, "No portal login is also a hosted mailbox, alias or catch-all address.")];
        var items = found.Take(MaxCollisionsShown).Select(c => new ReadinessItem($"Sign-in address {c.Login}", false, c.Explanation)).ToList();
        if (found.Count > MaxCollisionsShown)
            items.Add(new ReadinessItem("Sign-in addresses", false, $"{found.Count - MaxCollisionsShown} more portal logins are also hosted addresses."));
        return items;
    }

    private async Task<IEnumerable<ReadinessItem>> DomainMxAsync(IMxResolver mx, string hostname, CancellationToken ct)
    {
        var domains = await db.Domains.OrderBy(d => d.Name).Select(d => d.Name).Take(MaxDomainsChecked).ToListAsync(ct);
        var checks = domains.Select(async domain => await cache.GetOrCreateAsync("readiness-mx:" + domain, async entry =>
        {
            entry.AbsoluteExpirationRelativeToNow = TimeSpan.FromMinutes(5);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(LookupTimeout);
            try
            {
                var hosts = await mx.ResolveAsync(domain, timeout.Token);
                var points = hosts.Any(h => string.Equals(h, hostname, StringComparison.OrdinalIgnoreCase));
                return new ReadinessItem($"MX of {domain}", points, points
                    ? $"MX names {hostname}."
                    : $"Publish an MX record for {domain} naming {hostname} (now: {(hosts.Count == 0 ? "none" : string.Join(", ", hosts))}).");
            }
            catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                return new ReadinessItem($"MX of {domain}", false, $"The MX lookup for {domain} failed ({e.GetType().Name}); publish an MX record naming {hostname}.");
            }
        }));
        return (await Task.WhenAll(checks))!;
    }

    /// <summary>A name other machines can resolve: not localhost, and with a dot (mail.example.com).</summary>
    public static bool IsPublicName(string hostname) =>
        !string.Equals(hostname, "localhost", StringComparison.OrdinalIgnoreCase)
        && !hostname.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase)
        && hostname.Contains('.')
        && !System.Net.IPAddress.TryParse(hostname, out _);
}
