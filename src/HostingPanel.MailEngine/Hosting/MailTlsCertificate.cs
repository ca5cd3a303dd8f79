using System.Collections.Concurrent;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using HostingPanel.MailEngine.Storage;

namespace HostingPanel.MailEngine.Hosting;

/// <summary>
/// The certificates of every TLS listener (IMAPS, POP3S, SMTPS, the STARTTLS/STLS upgrades, ManageSieve, and the
/// portal's HTTPS endpoints). The base one is Mail:Tls:CertificatePath/KeyPath (PEM) when set, else a self-signed one
/// for Mail:Hostname generated once into {DataDirectory}/tls/ and reused. Certificates installed later (ACME) take
/// over for the names they cover, chosen per handshake by the client's SNI name (RFC 6066 section 3); one covering
/// Mail:Hostname also becomes what clients without SNI get. Installing swaps a reference: the next handshake
/// presents the new certificate, connections already open keep theirs, nothing restarts.
/// </summary>
public sealed class MailTlsCertificate
{
    private readonly Lazy<SslStreamCertificateContext> _base;
    private readonly string _hostname;
    // One context per certificate, built once (chain included) and shared by every handshake that presents it.
    private readonly ConcurrentDictionary<string, SslStreamCertificateContext> _byName = new(StringComparer.OrdinalIgnoreCase);
    private readonly ILogger<MailTlsCertificate> _logger;

    public MailTlsCertificate(IOptions<MailEngineOptions> mail, IOptions<MailStorageOptions> storage, ILogger<MailTlsCertificate> logger)
    {
        var tls = mail.Value.Tls;
        _hostname = mail.Value.Hostname;
        _logger = logger;
        var directory = Path.Combine(storage.Value.DataDirectory, "tls");
        _base = new Lazy<SslStreamCertificateContext>(() =>
        {
            if (!string.IsNullOrEmpty(tls.CertificatePath))
                return FromPem(tls.CertificatePath, tls.KeyPath);
            var certPath = Path.Combine(directory, "mail-selfsigned.crt.pem");
            var keyPath = Path.Combine(directory, "mail-selfsigned.key.pem");
            if (!File.Exists(certPath) || !File.Exists(keyPath))
            {
                logger.LogInformation("Generating a self-signed TLS certificate for {Hostname} in {Directory}", _hostname, directory);
                GenerateSelfSigned(_hostname, certPath, keyPath);
            }
            return FromPem(certPath, keyPath);
        });
    }

    /// <summary>What a client without SNI (or with a name nothing covers) gets: the certificate for Mail:Hostname.</summary>
    public X509Certificate2 Certificate => ContextFor(null).TargetCertificate;

    /// <summary>The certificate a handshake naming <paramref name="serverName"/> gets now.</summary>
    public X509Certificate2 CertificateFor(string? serverName) => ContextFor(serverName).TargetCertificate;

    /// <summary>The names that have a certificate of their own (installed, not the base one).</summary>
    public IReadOnlyCollection<string> InstalledNames => _byName.Keys.ToList();

    private SslStreamCertificateContext ContextFor(string? serverName)
    {
        if (!string.IsNullOrEmpty(serverName) && _byName.TryGetValue(serverName.TrimEnd('.'), out var own))
            return own;
        return _byName.TryGetValue(_hostname, out var host) ? host : _base.Value;
    }

    /// <summary>
    /// Serves <paramref name="names"/> with <paramref name="certificate"/> (which holds its private key) from the next
    /// handshake on; <paramref name="chain"/> are the intermediates sent with it.
    /// </summary>
    public void Install(IEnumerable<string> names, X509Certificate2 certificate, X509Certificate2Collection chain)
    {
        if (!certificate.HasPrivateKey)
            throw new ArgumentException("The certificate has no private key.", nameof(certificate));
        var context = SslStreamCertificateContext.Create(certificate, chain, offline: true);
        foreach (var name in names)
            _byName[name.TrimEnd('.')] = context;
        _logger.LogInformation("TLS certificate {Thumbprint} for {Names} (valid until {NotAfter:u}) now served", certificate.Thumbprint,
            string.Join(", ", names), certificate.NotAfter.ToUniversalTime());
    }

    /// <summary>
    /// Stops serving <paramref name="name"/> with a certificate of its own (a domain's certificate withdrawn or the domain
    /// gone): the next handshake for it gets the host's certificate. The Mail:Hostname's own entry is never removed.
    /// </summary>
    public bool Uninstall(string name)
    {
        var key = name.TrimEnd('.');
        if (string.Equals(key, _hostname, StringComparison.OrdinalIgnoreCase) || !_byName.TryRemove(key, out _)) return false;
        _logger.LogInformation("TLS certificate for {Name} no longer served", key);
        return true;
    }

    /// <summary>Options for one handshake: the certificate for the client's SNI name; TLS 1.2 and 1.3 only.</summary>
    public SslServerAuthenticationOptions ServerOptions(string? serverName = null) => new()
    {
        ServerCertificateContext = ContextFor(serverName),
        EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
        ClientCertificateRequired = false,
        CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
    };

    /// <summary>For <see cref="SslStream.AuthenticateAsServerAsync(ServerOptionsSelectionCallback, object?, CancellationToken)"/>: picks by the ClientHello's SNI name.</summary>
    public ServerOptionsSelectionCallback SelectOptions => (_, hello, _, _) => ValueTask.FromResult(ServerOptions(hello.ServerName));

    /// <summary>Runs the server side of a handshake with the certificate chosen by SNI.</summary>
    public Task AuthenticateAsServerAsync(SslStream ssl, CancellationToken cancellationToken) =>
        ssl.AuthenticateAsServerAsync(SelectOptions, null, cancellationToken);

    private static SslStreamCertificateContext FromPem(string certPath, string? keyPath)
    {
        var certificate = X509Certificate2.CreateFromPemFile(certPath, keyPath);
        // The file may hold the chain after the leaf (as ACME and most CAs deliver it): send it too.
        var all = new X509Certificate2Collection();
        all.ImportFromPemFile(certPath);
        var chain = new X509Certificate2Collection(all.Where(c => c.Thumbprint != certificate.Thumbprint).ToArray());
        return SslStreamCertificateContext.Create(certificate, chain, offline: true);
    }

    private static void GenerateSelfSigned(string hostname, string certPath, string keyPath)
    {
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(certPath)!);
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={hostname}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName(hostname);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(10));
        var keyTemp = keyPath + ".tmp";
        File.WriteAllText(keyTemp, key.ExportPkcs8PrivateKeyPem());
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(keyTemp, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.Move(keyTemp, keyPath, overwrite: true);
        File.WriteAllText(certPath + ".tmp", certificate.ExportCertificatePem());
        File.Move(certPath + ".tmp", certPath, overwrite: true);
    }
}
