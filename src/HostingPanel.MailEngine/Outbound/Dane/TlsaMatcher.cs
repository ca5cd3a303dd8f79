using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using ARSoft.Tools.Net.Dns;

namespace HostingPanel.MailEngine.Outbound.Dane;

/// <summary>
/// Whether a server's certificate matches a DNSSEC-validated TLSA RRset, as RFC 7672 section 3.1 has SMTP do it:
/// DANE-EE(3) matches the server's own certificate or public key and ignores names and dates (section 3.1.1);
/// DANE-TA(2) matches a certificate of the chain the server sent and then needs the name to match (section 3.1.2);
/// PKIX-TA(0) and PKIX-EE(1) are unusable for SMTP (section 3.1.3). Selector 0 is the whole certificate, 1 its
/// SubjectPublicKeyInfo; matching type 0 the data itself, 1 SHA-256, 2 SHA-512 (RFC 6698 section 2.1).
/// </summary>
public static class TlsaMatcher
{
    /// <summary>The records an SMTP client may use: DANE-TA or DANE-EE, with a selector and matching type it knows.</summary>
    public static IReadOnlyList<TlsaRecord> Usable(IEnumerable<TlsaRecord> records) =>
        records.Where(r => r.CertificateUsage is TlsaRecord.TlsaCertificateUsage.DaneTA or TlsaRecord.TlsaCertificateUsage.DaneEE
                           && r.Selector is TlsaRecord.TlsaSelector.FullCertificate or TlsaRecord.TlsaSelector.SubjectPublicKeyInfo
                           && r.MatchingType is TlsaRecord.TlsaMatchingType.Full or TlsaRecord.TlsaMatchingType.Sha256Hash or TlsaRecord.TlsaMatchingType.Sha512Hash)
            .ToList();

    /// <summary>Null when a record matches; otherwise why not, for the delivery log.</summary>
    /// <remarks>
    /// Each certificate's digests are computed at most once per (selector, matching type), six at most, however large the
    /// TLSA RRset: a hostile zone with thousands of records costs comparisons, not hashing.
    /// </remarks>
    public static string? Check(X509Certificate? presented, X509Chain? chain, SslPolicyErrors errors, IReadOnlyList<TlsaRecord> usable)
    {
        if (presented is null)
            return "dane-no-certificate: the server presented no certificate";
        using var leaf = new X509Certificate2(presented);
        var leafData = new CertificateData(leaf);
        foreach (var record in usable.Where(r => r.CertificateUsage == TlsaRecord.TlsaCertificateUsage.DaneEE))
            if (leafData.Matches(record))
                return null;
        var anchors = usable.Where(r => r.CertificateUsage == TlsaRecord.TlsaCertificateUsage.DaneTA).ToList();
        if (anchors.Count > 0 && chain is not null)
        {
            // The chain .NET built from what the server sent; the trust anchor is one of its issuers (not the leaf).
            var issuers = chain.ChainElements.Skip(1).Select(e => new CertificateData(e.Certificate)).ToList();
            if (anchors.Any(a => issuers.Any(i => i.Matches(a))))
                return (errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0
                    ? "dane-ta-name-mismatch: the chain matches a DANE-TA record but the certificate does not name the host"
                    : null;
        }
        return $"dane-tlsa-mismatch: the certificate matches none of the {usable.Count} usable TLSA record(s)";
    }

    private sealed class CertificateData(X509Certificate2 certificate)
    {
        private readonly Dictionary<(TlsaRecord.TlsaSelector, TlsaRecord.TlsaMatchingType), byte[]> _digests = [];

        public bool Matches(TlsaRecord record)
        {
            var key = (record.Selector, record.MatchingType);
            if (!_digests.TryGetValue(key, out var data))
            {
                var selected = record.Selector == TlsaRecord.TlsaSelector.FullCertificate
                    ? certificate.RawData
                    : certificate.PublicKey.ExportSubjectPublicKeyInfo();
                data = record.MatchingType switch
                {
                    TlsaRecord.TlsaMatchingType.Sha256Hash => SHA256.HashData(selected),
                    TlsaRecord.TlsaMatchingType.Sha512Hash => SHA512.HashData(selected),
                    _ => selected,
                };
                _digests[key] = data;
            }
            return CryptographicOperations.FixedTimeEquals(data, record.CertificateAssociationData);
        }
    }
}
