using System.Collections.Concurrent;
using System.Globalization;
using HostingPanel.Application.Certificates;
using HostingPanel.Application.Common;
using HostingPanel.Data;
using HostingPanel.Data.Model;
using Microsoft.EntityFrameworkCore;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using HostingPanel.MailEngine.Hosting;
using Microsoft.Extensions.Options;

namespace HostingPanel.Web.Hosting.Acme;

/// <summary>
/// Keeps a certificate from the ACME CA for Mail:Hostname, every Acme:Names entry and every verified hosted domain whose
/// tenant asked for one (<c>mail.{domain}</c>, <see cref="DomainCertificateService"/>): at start it serves what is on
/// disk, then issues what is missing and renews each certificate once two thirds of its lifetime have passed (as
/// Let's Encrypt advises: 60 of 90 days). Each new certificate is installed into <see cref="MailTlsCertificate"/>,
/// which every TLS listener and the portal's HTTPS ask per handshake: no restart. A request withdrawn, or a domain
/// deleted or suspended, stops being served at the next pass.
/// </summary>
public sealed class AcmeRenewalService(
    IOptions<AcmeOptions> options, IOptions<MailEngineOptions> mail, PanelSettings settings, MailTlsCertificate tls, AcmeChallenges challenges,
    IServiceScopeFactory scopes, [FromKeyedServices(AcmeRenewalService.ClockKey)] TimeProvider time, ILogger<AcmeRenewalService> logger)
    : BackgroundService, IDomainCertificateIssuer
{
    /// <summary>The clock the renewal decisions read (a keyed service, so tests can move it alone).</summary>
    public const string ClockKey = "acme";

    private readonly AcmeOptions _options = options.Value;
    private readonly AcmeCertificateStore _store = new(Path.Combine(settings.DataDirectory, "tls", "acme"));
    private readonly ConcurrentDictionary<string, (string Error, DateTimeOffset RetryAt)> _failures = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, AcmeCertificate> _served = new(StringComparer.OrdinalIgnoreCase);
    private readonly SemaphoreSlim _wake = new(0, 1);

    /// <summary>The names configured for this node (Mail:Hostname and Acme:Names), each once, in A-label form.</summary>
    public IReadOnlyList<string> Names { get; } = AcmeNames.Of(mail.Value.Hostname, options.Value.Names);

    bool IDomainCertificateIssuer.Enabled => true;

    public IssuedCertificateState? StateOf(string hostName)
    {
        var served = _served.GetValueOrDefault(hostName);
        var failed = _failures.TryGetValue(hostName, out var f) ? f : default((string Error, DateTimeOffset RetryAt)?);
        if (served is null && failed is null) return null;
        return new IssuedCertificateState(
            served is null ? null : new DateTimeOffset(served.Certificate.NotAfter.ToUniversalTime()),
            served is null ? null : new DateTimeOffset(served.Certificate.NotBefore.ToUniversalTime()),
            failed?.Error, failed?.RetryAt);
    }

    public void Wake()
    {
        // At most one pending wake-up: several requests in a row are handled by the same pass.
        try { _wake.Release(); } catch (SemaphoreFullException) { }
    }

    /// <summary>When a certificate is due for renewal: two thirds into its lifetime.</summary>
    public static DateTimeOffset RenewalDue(X509Certificate2 certificate)
    {
        var notBefore = new DateTimeOffset(certificate.NotBefore.ToUniversalTime());
        var notAfter = new DateTimeOffset(certificate.NotAfter.ToUniversalTime());
        return notBefore + (notAfter - notBefore) * 2 / 3;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        foreach (var name in Names.Concat(await RequestedNamesAsync(stoppingToken)))
            if (_store.Load(name) is { } stored)
                Serve(name, stored);

        using var http = CreateHttpClient();
        using var key = AcmeAccountKey.LoadOrCreate(Path.Combine(settings.DataDirectory, "acme", "account.key.pem"));
        var client = new AcmeClient(http, key, challenges, logger, _options.OrderTimeout);
        while (!stoppingToken.IsCancellationRequested)
        {
            var wanted = Names.Concat(await RequestedNamesAsync(stoppingToken)).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
            foreach (var name in wanted)
                await RenewIfDueAsync(client, name, stoppingToken);
            foreach (var gone in _served.Keys.Except(wanted, StringComparer.OrdinalIgnoreCase).ToList())
                StopServing(gone);
            foreach (var gone in _failures.Keys.Except(wanted, StringComparer.OrdinalIgnoreCase).ToList())
                _failures.TryRemove(gone, out _);
            try
            {
                await _wake.WaitAsync(_options.CheckInterval, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>
    /// mail.{domain} of every domain whose tenant asked for a certificate and which is verified, not suspended and not
    /// deleted. Names that are not valid host names for a CA are left out (the domain's own name always is one).
    /// </summary>
    private async Task<IReadOnlyList<string>> RequestedNamesAsync(CancellationToken ct)
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            scope.ServiceProvider.GetRequiredService<IActorOverride>().Use(Actor.System);
            var db = scope.ServiceProvider.GetRequiredService<HostingPanelDbContext>();
            var domains = await db.Domains.IgnoreQueryFilters()
                .Where(d => d.CertificateRequestedAt != null && d.VerifiedAt != null && d.DeletedAt == null
                            && d.Status != EntityStatus.Deleting && d.Status != EntityStatus.Suspended)
                .Select(d => d.Name).ToListAsync(ct);
            var names = new List<string>();
            foreach (var domain in domains)
            {
                try { names.Add(AcmeNames.Normalize(DomainCertificateService.HostNameOf(domain))); }
                catch (ArgumentException) { }
            }
            return names;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The database away for a moment must not stop the renewals of the configured names.
            logger.LogWarning("ACME: could not read the domains that asked for certificates ({Error})", e.Message);
            return [];
        }
    }

    private async Task RenewIfDueAsync(AcmeClient client, string name, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var stored = _store.Load(name);
        if (stored is not null && now < RenewalDue(stored.Certificate))
        {
            if (!_served.ContainsKey(name)) Serve(name, stored);
            return;
        }
        if (_failures.TryGetValue(name, out var failed) && now < failed.RetryAt) return;
        try
        {
            var issued = await client.IssueAsync(new Uri(_options.DirectoryUrl), name, _options.Email, ct);
            _store.Save(name, issued);
            Serve(name, issued);
            _failures.TryRemove(name, out _);
        }
        catch (Exception e) when (e is AcmeException or HttpRequestException or OperationCanceledException or System.Text.Json.JsonException
                                      or System.Security.Cryptography.CryptographicException && !ct.IsCancellationRequested)
        {
            var retry = now + _options.RetryInterval;
            _failures[name] = (e.Message, retry);
            logger.LogWarning("ACME: no certificate for {Name} this time ({Error}); trying again after {Retry}", name, e.Message,
                retry.ToString("u", CultureInfo.InvariantCulture));
        }
    }

    private void StopServing(string name)
    {
        _served.TryRemove(name, out _);
        tls.Uninstall(name);
    }

    private void Serve(string name, AcmeCertificate certificate)
    {
        // Kestrel's certificate selector hands over a bare certificate, whose chain .NET completes from the user's
        // intermediate store; and on Linux one handshake context per certificate is shared process-wide, so a chain
        // missing there went missing on the mail listeners too (AcmeCertificateTests saw it). With the intermediates
        // in that store every handshake, portal and mail, sends them.
        try
        {
            using var store = new X509Store(StoreName.CertificateAuthority, StoreLocation.CurrentUser);
            store.Open(OpenFlags.ReadWrite);
            store.AddRange(certificate.Chain);
        }
        catch (System.Security.Cryptography.CryptographicException e)
        {
            logger.LogWarning("ACME: could not keep the intermediates of {Name} in the user's certificate store ({Error}); HTTPS clients may miss them", name, e.Message);
        }
        tls.Install([name], certificate.Certificate, certificate.Chain);
        _served[name] = certificate;
    }

    private HttpClient CreateHttpClient()
    {
        var handler = new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(30) };
        if (!string.IsNullOrEmpty(_options.TrustedCaPath))
        {
            var roots = new X509Certificate2Collection();
            roots.ImportFromPemFile(_options.TrustedCaPath);
            handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
            {
                if (errors == SslPolicyErrors.None) return true;
                if (certificate is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != 0) return false;
                // Only the chain was unknown to the system: accept it when it leads to the configured CA.
                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.AddRange(roots);
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                return chain.Build(new X509Certificate2(certificate));
            };
        }
        return new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(60) };
    }
}
