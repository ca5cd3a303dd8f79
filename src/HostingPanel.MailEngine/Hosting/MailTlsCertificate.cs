using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace HostingPanel.MailEngine.Hosting;

/// <summary>
/// The certificate of every mail listener: Mail:Tls:CertificatePath/KeyPath (PEM) when set, else a
/// self-signed one for Mail:Hostname generated once into {DataDirectory}/tls/ and reused.
/// </summary>
public sealed class MailTlsCertificate
{
    private readonly Lazy<X509Certificate2> _certificate;

    public MailTlsCertificate(IOptions<MailEngineOptions> mail, IOptions<MailStorageOptions> storage, ILogger<MailTlsCertificate> logger)
    {
        var tls = mail.Value.Tls;
        var hostname = mail.Value.Hostname;
        var directory = Path.Combine(storage.Value.DataDirectory, "tls");
        _certificate = new Lazy<X509Certificate2>(() =>
        {
            if (!string.IsNullOrEmpty(tls.CertificatePath))
                return X509Certificate2.CreateFromPemFile(tls.CertificatePath, tls.KeyPath);
            var certPath = Path.Combine(directory, "mail-selfsigned.crt.pem");
            var keyPath = Path.Combine(directory, "mail-selfsigned.key.pem");
            if (!File.Exists(certPath) || !File.Exists(keyPath))
            {
                logger.LogInformation("Generating a self-signed TLS certificate for {Hostname} in {Directory}", hostname, directory);
                GenerateSelfSigned(hostname, certPath, keyPath);
            }
            return X509Certificate2.CreateFromPemFile(certPath, keyPath);
        });
    }

    public X509Certificate2 Certificate => _certificate.Value;

    /// <summary>TLS 1.2 and 1.3 only.</summary>
    public SslServerAuthenticationOptions ServerOptions() => new()
    {
        ServerCertificate = Certificate,
        EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
        ClientCertificateRequired = false,
        CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
    };

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
