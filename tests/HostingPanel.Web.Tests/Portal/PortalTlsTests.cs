using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using HostingPanel.Testing;
using HostingPanel.Web.Tests.Infrastructure;

namespace HostingPanel.Web.Tests.Portal;

/// <summary>The portal serving HTTPS itself (a Kestrel endpoint with a PEM certificate, as README describes for port 443).</summary>
public sealed class HttpsPanelHostFixture : PanelHostFixture
{
    protected override IEnumerable<KeyValuePair<string, string>> ExtraSettings()
    {
        foreach (var setting in base.ExtraSettings())
            yield return setting;
        Directory.CreateDirectory(DataDirectory);
        var cert = Path.Combine(DataDirectory, "portal.crt.pem");
        var key = Path.Combine(DataDirectory, "portal.key.pem");
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest("CN=localhost", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(7));
        File.WriteAllText(cert, certificate.ExportCertificatePem());
        File.WriteAllText(key, rsa.ExportPkcs8PrivateKeyPem());
        yield return new("Urls", "https://127.0.0.1:0");
        yield return new("Kestrel:Certificates:Default:Path", cert);
        yield return new("Kestrel:Certificates:Default:KeyPath", key);
    }
}

/// <summary>Issue 10 item 4: the portal's HTTPS refuses TLS 1.0 and 1.1 and accepts 1.2 and 1.3, like the mail listeners.</summary>
public sealed class PortalTlsTests(HttpsPanelHostFixture host) : IClassFixture<HttpsPanelHostFixture>
{
    [Fact]
    public async Task PortalHttps_RefusesTls10And11_AcceptsTls12And13()
    {
        Assert.Equal("https", host.BaseAddress.Scheme);
        await OpenSslProbe.ClientCanOfferLegacyTlsAsync();
        foreach (var old in new[] { "tls1", "tls1_1" })
        {
            var outcome = await OpenSslProbe.HandshakeAsync(host.BaseAddress.Port, old);
            Assert.True(outcome.RefusedByServer, $"the portal did not refuse {old}:\n{outcome.Output}");
        }
        Assert.Equal("TLSv1.2", (await OpenSslProbe.HandshakeAsync(host.BaseAddress.Port, "tls1_2")).Protocol);
        Assert.Equal("TLSv1.3", (await OpenSslProbe.HandshakeAsync(host.BaseAddress.Port, "tls1_3")).Protocol);
    }
}
