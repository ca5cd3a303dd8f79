using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace HostingPanel.MailEngine.Tests.Smtp;

/// <summary>A private CA for tests: issues server certificates for host names, and writes its root as PEM for the product to trust.</summary>
internal sealed class TestCertificateAuthority : IDisposable
{
    private readonly X509Certificate2 _root;
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "hp-ca-" + Guid.NewGuid().ToString("N")[..8]);

    public TestCertificateAuthority()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=HostingPanel test root", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        _root = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-2), DateTimeOffset.UtcNow.AddDays(60));
        System.IO.Directory.CreateDirectory(_directory);
        RootPemPath = Path.Combine(_directory, "root.pem");
        File.WriteAllText(RootPemPath, _root.ExportCertificatePem());
    }

    public string RootPemPath { get; }

    /// <summary>A certificate for <paramref name="host"/> signed by this CA.</summary>
    public X509Certificate2 Issue(string host) => Create(host, _root);

    /// <summary>A self-signed certificate for <paramref name="host"/>: right name, nobody vouches for it.</summary>
    public static X509Certificate2 SelfSigned(string host) => Create(host, null);

    private static X509Certificate2 Create(string host, X509Certificate2? issuer)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=" + host, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(host);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        X509Certificate2 certificate;
        if (issuer is null)
        {
            certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        }
        else
        {
            using var signed = request.Create(issuer, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30), RandomNumberGenerator.GetBytes(12));
            certificate = signed.CopyWithPrivateKey(key);
        }
        // Through PKCS#12 so the private key outlives this method's key object (SslStream needs it later).
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null);
    }

    public void Dispose()
    {
        _root.Dispose();
        try { System.IO.Directory.Delete(_directory, recursive: true); } catch (IOException) { }
    }
}
