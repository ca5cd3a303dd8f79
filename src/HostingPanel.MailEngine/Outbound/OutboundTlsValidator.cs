using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Options;

namespace HostingPanel.MailEngine.Outbound;

/// <summary>
/// Whether a next hop's certificate is valid for the name we connected to (RFC 8461 section 4.2: PKIX, name match, not
/// expired). Roots are the system's plus <c>Mail:Relay:TrustedRootsPath</c> (PEM), for operators whose peers use a
/// private CA, and for tests with their own CA.
/// </summary>
public sealed class OutboundTlsValidator
{
    private readonly X509Certificate2Collection _extraRoots = [];

    public OutboundTlsValidator(IOptions<RelayOptions> options)
    {
        if (options.Value.TrustedRootsPath is { Length: > 0 } path)
            _extraRoots.ImportFromPemFile(path);
    }

    /// <summary>Null when valid; otherwise why not, in words for the delivery log.</summary>
    public string? Check(X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (certificate is null || (errors & SslPolicyErrors.RemoteCertificateNotAvailable) != 0)
            return "no certificate";
        if ((errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0)
            return "certificate-host-mismatch: the certificate does not name the host";
        if (errors == SslPolicyErrors.None)
            return null;
        if (_extraRoots.Count > 0)
        {
            using var custom = new X509Chain();
            custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            custom.ChainPolicy.CustomTrustStore.AddRange(_extraRoots);
            custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            if (chain is not null)
                foreach (var element in chain.ChainElements.Skip(1))
                    custom.ChainPolicy.ExtraStore.Add(element.Certificate);
            if (custom.Build(new X509Certificate2(certificate)))
                return null;
        }
        var status = chain?.ChainStatus.Select(s => s.StatusInformation.Trim()).FirstOrDefault(s => s.Length > 0) ?? errors.ToString();
        return "certificate-not-trusted: " + status;
    }
}
