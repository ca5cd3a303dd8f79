using System.Security.Cryptography.X509Certificates;

namespace HostingPanel.Web.Hosting.Acme;

/// <summary>
/// Issued certificates on disk, {DataDirectory}/tls/acme/{name}.crt.pem (leaf and chain, as the CA sent them) and
/// {name}.key.pem (owner-readable only), so a restart serves them at once and renews only when due.
/// </summary>
public sealed class AcmeCertificateStore(string directory)
{
    public string Directory { get; } = directory;

    public void Save(string name, AcmeCertificate issued)
    {
        // The key first: a crash between the two leaves the old certificate with a key it does not match,
        // which Load refuses, so the name is simply issued again.
        AcmeFiles.WriteSecret(KeyPath(name), issued.KeyPem);
        AcmeFiles.Write(CertificatePath(name), issued.ChainPem);
    }

    /// <summary>The stored certificate for <paramref name="name"/>, or null when there is none or it does not load.</summary>
    public AcmeCertificate? Load(string name)
    {
        var certPath = CertificatePath(name);
        var keyPath = KeyPath(name);
        if (!File.Exists(certPath) || !File.Exists(keyPath)) return null;
        try
        {
            var chainPem = File.ReadAllText(certPath);
            var keyPem = File.ReadAllText(keyPath);
            var leaf = X509Certificate2.CreateFromPem(chainPem, keyPem);
            var all = new X509Certificate2Collection();
            all.ImportFromPem(chainPem);
            return new AcmeCertificate(leaf, new X509Certificate2Collection(all.Where(c => c.Thumbprint != leaf.Thumbprint).ToArray()), chainPem, keyPem);
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            return null;
        }
    }

    // Names are validated host names (letters, digits, '-', '.'), so they are safe as file names.
    private string CertificatePath(string name) => Path.Combine(Directory, name.ToLowerInvariant() + ".crt.pem");

    private string KeyPath(string name) => Path.Combine(Directory, name.ToLowerInvariant() + ".key.pem");
}
