using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using ARSoft.Tools.Net;
using ARSoft.Tools.Net.Dns;
using HostingPanel.MailEngine.Outbound.Dane;

namespace HostingPanel.MailEngine.Tests.Smtp;

/// <summary>RFC 7672 section 3.1 (which TLSA records SMTP uses and how) and the trust-anchor setting's grammar.</summary>
public sealed class TlsaMatcherTests
{
    private static readonly DomainName Owner = DomainName.Parse("_25._tcp.mx.example.test");

    private static TlsaRecord Record(TlsaRecord.TlsaCertificateUsage usage, TlsaRecord.TlsaSelector selector, TlsaRecord.TlsaMatchingType matching, byte[] data) =>
        new(Owner, 300, usage, selector, matching, data);

    [Fact]
    public void Rfc7672_DaneEe_MatchesKeyOrCertificate_ByEveryMatchingType_IgnoringNamesAndTrust()
    {
        using var certificate = TestCertificateAuthority.SelfSigned("somewhere.else");
        var spki = certificate.PublicKey.ExportSubjectPublicKeyInfo();
        var ee = TlsaRecord.TlsaCertificateUsage.DaneEE;
        foreach (var record in new[]
                 {
                     Record(ee, TlsaRecord.TlsaSelector.SubjectPublicKeyInfo, TlsaRecord.TlsaMatchingType.Sha256Hash, SHA256.HashData(spki)),
                     Record(ee, TlsaRecord.TlsaSelector.SubjectPublicKeyInfo, TlsaRecord.TlsaMatchingType.Sha512Hash, SHA512.HashData(spki)),
                     Record(ee, TlsaRecord.TlsaSelector.FullCertificate, TlsaRecord.TlsaMatchingType.Full, certificate.RawData),
                     Record(ee, TlsaRecord.TlsaSelector.FullCertificate, TlsaRecord.TlsaMatchingType.Sha256Hash, SHA256.HashData(certificate.RawData)),
                 })
            Assert.Null(TlsaMatcher.Check(certificate, null,
                SslPolicyErrors.RemoteCertificateNameMismatch | SslPolicyErrors.RemoteCertificateChainErrors, TlsaMatcher.Usable([record])));
        var other = Record(ee, TlsaRecord.TlsaSelector.SubjectPublicKeyInfo, TlsaRecord.TlsaMatchingType.Sha256Hash, SHA256.HashData("x"u8));
        Assert.StartsWith("dane-tlsa-mismatch", TlsaMatcher.Check(certificate, null, SslPolicyErrors.None, [other]));
        Assert.StartsWith("dane-no-certificate", TlsaMatcher.Check(null, null, SslPolicyErrors.RemoteCertificateNotAvailable, [other]));
    }

    [Fact]
    public void Rfc7672_PkixUsagesAndUnknownParameters_AreUnusable_ForSmtp()
    {
        var data = SHA256.HashData("x"u8);
        Assert.Empty(TlsaMatcher.Usable(
        [
            Record(TlsaRecord.TlsaCertificateUsage.PkixTA, TlsaRecord.TlsaSelector.SubjectPublicKeyInfo, TlsaRecord.TlsaMatchingType.Sha256Hash, data),
            Record(TlsaRecord.TlsaCertificateUsage.PkixEE, TlsaRecord.TlsaSelector.SubjectPublicKeyInfo, TlsaRecord.TlsaMatchingType.Sha256Hash, data),
            Record(TlsaRecord.TlsaCertificateUsage.DaneEE, (TlsaRecord.TlsaSelector)7, TlsaRecord.TlsaMatchingType.Sha256Hash, data),
            Record(TlsaRecord.TlsaCertificateUsage.DaneEE, TlsaRecord.TlsaSelector.SubjectPublicKeyInfo, (TlsaRecord.TlsaMatchingType)9, data),
        ]));
    }

    [Fact]
    public void Rfc7672_DaneTa_MatchesAnIssuerOfTheChain_AndThenNeedsTheName()
    {
        using var ca = new TestCertificateAuthority();
        using var leaf = ca.Issue("mx.example.test");
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.ImportFromPemFile(ca.RootPemPath);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        Assert.True(chain.Build(leaf));
        var root = chain.ChainElements[^1].Certificate;
        var ta = Record(TlsaRecord.TlsaCertificateUsage.DaneTA, TlsaRecord.TlsaSelector.SubjectPublicKeyInfo, TlsaRecord.TlsaMatchingType.Sha256Hash,
            SHA256.HashData(root.PublicKey.ExportSubjectPublicKeyInfo()));
        Assert.Null(TlsaMatcher.Check(leaf, chain, SslPolicyErrors.None, [ta]));
        Assert.StartsWith("dane-ta-name-mismatch", TlsaMatcher.Check(leaf, chain, SslPolicyErrors.RemoteCertificateNameMismatch, [ta]));
        // The leaf's own key in a DANE-TA record is no trust anchor.
        Assert.StartsWith("dane-tlsa-mismatch", TlsaMatcher.Check(leaf, chain, SslPolicyErrors.None,
            [Record(TlsaRecord.TlsaCertificateUsage.DaneTA, TlsaRecord.TlsaSelector.SubjectPublicKeyInfo, TlsaRecord.TlsaMatchingType.Sha256Hash,
                SHA256.HashData(leaf.PublicKey.ExportSubjectPublicKeyInfo()))]));
    }

    [Fact]
    public void TrustAnchors_TakeKeymgrOrBareDsForm_DefaultToIanaRoot_AndRefuseOtherZonesOrBadDigests()
    {
        var keymgr = DnssecTrustAnchors.Parse(". DS 55014 13 2 1ab72eb16dd194c2aaf3486fe0d1dda116b7efee5767c5e62f9d1c5081c2a51f");
        Assert.Equal(55014, keymgr.KeyTag);
        Assert.Equal(DnsSecAlgorithm.EcDsaP256Sha256, keymgr.Algorithm);
        Assert.Equal(32, keymgr.Digest.Length);
        var bare = DnssecTrustAnchors.Parse("20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D");
        Assert.Equal(20326, bare.KeyTag);
        Assert.Equal([20326, 38696], new DnssecTrustAnchors([]).RootKeys.Select(k => (int)k.KeyTag));
        Assert.Throws<FormatException>(() => DnssecTrustAnchors.Parse("example.com. DS 1 13 2 00"));
        Assert.Throws<FormatException>(() => DnssecTrustAnchors.Parse("1 13 2 not-hex"));
        Assert.Throws<FormatException>(() => DnssecTrustAnchors.Parse("70000 13 2 00"));
    }
}
