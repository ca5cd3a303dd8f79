using System.Security.Cryptography;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Security;

namespace HostingPanel.MailEngine.Dkim;

/// <summary>The two DKIM algorithms a domain signs with: RSA-SHA256 (2048 bits, every verifier) and Ed25519-SHA256 (RFC 8463).</summary>
public static class DkimAlgorithms
{
    public const string Rsa = "rsa-sha256";
    public const string Ed25519 = "ed25519-sha256";
}

/// <summary>A domain's DKIM key as DNS must publish it: the TXT record at <c>{Selector}._domainkey.{Domain}</c>.</summary>
/// <param name="State">active (signs now), pending (waits for its record to appear in DNS), retired.</param>
public sealed record DkimPublicKey(string Domain, string Selector, string Algorithm, string State, string RecordValue, DateTimeOffset CreatedAt)
{
    public string RecordName => $"{Selector}._domainkey.{Domain}";
}

/// <summary>Generates key pairs and writes their DNS records (RFC 6376 section 3.6.1, RFC 8463 section 4).</summary>
internal static class DkimKeyGenerator
{
    /// <summary>PKCS#8 private key and the SubjectPublicKeyInfo (base64) of a new RSA 2048 key.</summary>
    public static (byte[] Private, string Public) NewRsa()
    {
        using var rsa = RSA.Create(2048);
        return (rsa.ExportPkcs8PrivateKey(), Convert.ToBase64String(rsa.ExportSubjectPublicKeyInfo()));
    }

    /// <summary>The raw 32-byte Ed25519 private key and its raw public key in base64 (RFC 8463: p= is the bare key).</summary>
    public static (byte[] Private, string Public) NewEd25519()
    {
        var generator = new Ed25519KeyPairGenerator();
        generator.Init(new Ed25519KeyGenerationParameters(new SecureRandom()));
        var pair = generator.GenerateKeyPair();
        return (((Ed25519PrivateKeyParameters)pair.Private).GetEncoded(), Convert.ToBase64String(((Ed25519PublicKeyParameters)pair.Public).GetEncoded()));
    }

    public static string Record(string algorithm, string publicKey) =>
        algorithm == DkimAlgorithms.Ed25519 ? $"v=DKIM1; k=ed25519; p={publicKey}" : $"v=DKIM1; k=rsa; p={publicKey}";

    public static Org.BouncyCastle.Crypto.AsymmetricKeyParameter PrivateKey(string algorithm, byte[] bytes) =>
        algorithm == DkimAlgorithms.Ed25519 ? new Ed25519PrivateKeyParameters(bytes, 0) : PrivateKeyFactory.CreateKey(bytes);
}
