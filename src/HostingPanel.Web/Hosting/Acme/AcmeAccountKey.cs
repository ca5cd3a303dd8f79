using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace HostingPanel.Web.Hosting.Acme;

/// <summary>
/// The ACME account key (ECDSA P-256, signed as ES256) and the JSON Web Signatures made with it
/// (RFC 8555 section 6.2, RFC 7515 flattened JSON serialization). Kept in {DataDirectory}/acme/account.key.pem,
/// readable by the owner only; the account itself is found again from the key (newAccount answers with it).
/// </summary>
public sealed class AcmeAccountKey : IDisposable
{
    private readonly ECDsa _key;

    private AcmeAccountKey(ECDsa key)
    {
        _key = key;
        var p = key.ExportParameters(false);
        Jwk = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["crv"] = "P-256",
            ["kty"] = "EC",
            ["x"] = Base64Url(p.Q.X!),
            ["y"] = Base64Url(p.Q.Y!),
        };
        // RFC 7638 section 3: the required members in lexicographic order, no white space.
        Thumbprint = Base64Url(SHA256.HashData(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(Jwk))));
    }

    /// <summary>The public key as a JWK (RFC 7517), members sorted.</summary>
    public IReadOnlyDictionary<string, string> Jwk { get; }

    /// <summary>The JWK thumbprint, the second half of every key authorization (RFC 8555 section 8.1).</summary>
    public string Thumbprint { get; }

    public static AcmeAccountKey LoadOrCreate(string path)
    {
        var key = ECDsa.Create();
        if (File.Exists(path))
        {
            key.ImportFromPem(File.ReadAllText(path));
            return new AcmeAccountKey(key);
        }
        key.GenerateKey(ECCurve.NamedCurves.nistP256);
        AcmeFiles.WriteSecret(path, key.ExportPkcs8PrivateKeyPem());
        return new AcmeAccountKey(key);
    }

    /// <summary>A JWS for <paramref name="url"/>: with the account URL as "kid", or the key itself ("jwk") when there is none yet.</summary>
    /// <param name="payload">The JSON payload; null for POST-as-GET (an empty payload, RFC 8555 section 6.3).</param>
    public string Sign(string url, string nonce, string? accountUrl, object? payload)
    {
        var header = new Dictionary<string, object> { ["alg"] = "ES256", ["nonce"] = nonce, ["url"] = url };
        if (accountUrl is null)
            header["jwk"] = Jwk;
        else
            header["kid"] = accountUrl;
        var protectedPart = Base64Url(JsonSerializer.SerializeToUtf8Bytes(header));
        var payloadPart = payload is null ? "" : Base64Url(JsonSerializer.SerializeToUtf8Bytes(payload));
        // ES256 signatures are R || S, 32 bytes each (RFC 7518 section 3.4): .NET's IEEE P1363 format.
        var signature = _key.SignData(Encoding.ASCII.GetBytes(protectedPart + "." + payloadPart), HashAlgorithmName.SHA256,
            DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        return JsonSerializer.Serialize(new { @protected = protectedPart, payload = payloadPart, signature = Base64Url(signature) });
    }

    public static string Base64Url(ReadOnlySpan<byte> bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public void Dispose() => _key.Dispose();
}
