using System.Globalization;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using HostingPanel.MailEngine.Hosting;
using Microsoft.Extensions.Options;

namespace HostingPanel.Web.Hosting.Acme;

/// <summary>
/// Keeps a certificate from the ACME CA for Mail:Hostname and every Acme:Names entry: at start it serves what is on
/// disk, then issues what is missing and renews each certificate once two thirds of its lifetime have passed (as
/// Let's Encrypt advises: 60 of 90 days). Each new certificate is installed into <see cref="MailTlsCertificate"/>,
/// which every TLS listener and the portal's HTTPS ask per handshake: no restart.
/// </summary>
public sealed class AcmeRenewalService(
    IOptions<AcmeOptions> options, IOptions<MailEngineOptions> mail, PanelSettings settings, MailTlsCertificate tls, AcmeChallenges challenges,
    [FromKeyedServices(AcmeRenewalService.ClockKey)] TimeProvider time, ILogger<AcmeRenewalService> logger) : BackgroundService
{
    /// <summary>The clock the renewal decisions read (a keyed service, so tests can move it alone).</summary>
    public const string ClockKey = "acme";

    private readonly AcmeOptions _options = options.Value;
    private readonly AcmeCertificateStore _store = new(Path.Combine(settings.DataDirectory, "tls", "acme"));
    private readonly Dictionary<string, DateTimeOffset> _retryAt = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The names this node keeps certificates for, each once, in A-label form.</summary>
    public IReadOnlyList<string> Names { get; } = AcmeNames.Of(mail.Value.Hostname, options.Value.Names);

    /// <summary>When a certificate is due for renewal: two thirds into its lifetime.</summary>
    public static DateTimeOffset RenewalDue(X509Certificate2 certificate)
    {
        var notBefore = new DateTimeOffset(certificate.NotBefore.ToUniversalTime());
        var notAfter = new DateTimeOffset(certificate.NotAfter.ToUniversalTime());
        return notBefore + (notAfter - notBefore) * 2 / 3;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        foreach (var name in Names)
            if (_store.Load(name) is { } stored)
                Serve(name, stored);

        using var http = CreateHttpClient();
        using var key = AcmeAccountKey.LoadOrCreate(Path.Combine(settings.DataDirectory, "acme", "account.key.pem"));
        var client = new AcmeClient(http, key, challenges, logger, _options.OrderTimeout);
        while (!stoppingToken.IsCancellationRequested)
        {
            foreach (var name in Names)
                await RenewIfDueAsync(client, name, stoppingToken);
            try
            {
                await Task.Delay(_options.CheckInterval, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task RenewIfDueAsync(AcmeClient client, string name, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var stored = _store.Load(name);
        if (stored is not null && now < RenewalDue(stored.Certificate)) return;
        if (_retryAt.TryGetValue(name, out var retry) && now < retry) return;
        try
        {
            var issued = await client.IssueAsync(new Uri(_options.DirectoryUrl), name, _options.Email, ct);
            _store.Save(name, issued);
            Serve(name, issued);
            _retryAt.Remove(name);
        }
        catch (Exception e) when (e is AcmeException or HttpRequestException or OperationCanceledException or System.Text.Json.JsonException
                                      or System.Security.Cryptography.CryptographicException && !ct.IsCancellationRequested)
        {
            _retryAt[name] = now + _options.RetryInterval;
            logger.LogWarning("ACME: no certificate for {Name} this time ({Error}); trying again after {Retry}", name, e.Message,
                _retryAt[name].ToString("u", CultureInfo.InvariantCulture));
        }
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
