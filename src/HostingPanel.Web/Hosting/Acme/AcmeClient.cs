using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;

namespace HostingPanel.Web.Hosting.Acme;

/// <summary>A certificate as the CA issued it: the leaf with its private key, and the intermediates.</summary>
public sealed record AcmeCertificate(X509Certificate2 Certificate, X509Certificate2Collection Chain, string ChainPem, string KeyPem);

/// <summary>The CA refused or failed a step; the message carries its problem document (RFC 8555 section 6.7).</summary>
public sealed class AcmeException(string message) : Exception(message);

/// <summary>
/// An ACME client (RFC 8555) for one name at a time with the HTTP-01 challenge: directory (7.1.1), nonces (7.2),
/// account by key (7.3), order (7.4), authorization and challenge (7.5, 8.3), finalize with a CSR (7.4),
/// certificate download (7.4.2). Every request is a JWS signed with the account key; a badNonce refusal is retried
/// once with the fresh nonce the refusal carries (6.5).
/// </summary>
public sealed class AcmeClient(HttpClient http, AcmeAccountKey key, AcmeChallenges challenges, ILogger logger, TimeSpan timeout)
{
    private static readonly MediaTypeHeaderValue JoseJson = new("application/jose+json");
    private JsonElement _directory;
    private string? _nonce;
    private string? _accountUrl;

    public async Task<AcmeCertificate> IssueAsync(Uri directoryUrl, string name, string? email, CancellationToken ct)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(timeout);
        ct = deadline.Token;
        await EnsureAccountAsync(directoryUrl, email, ct);

        var (orderResponse, order) = await PostAsync(Url("newOrder"), new { identifiers = new[] { new { type = "dns", value = name } } }, ct);
        var orderUrl = orderResponse.Headers.Location?.ToString() ?? throw new AcmeException("newOrder answered without the order's Location");
        foreach (var authorization in order.GetProperty("authorizations").EnumerateArray())
            await AuthorizeAsync(authorization.GetString()!, ct);

        order = await PollAsync(orderUrl, o => o is "ready" or "valid", ct);
        using var certificateKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        if (Status(order) == "ready")
        {
            var request = new CertificateRequest($"CN={name}", certificateKey, HashAlgorithmName.SHA256);
            var san = new SubjectAlternativeNameBuilder();
            san.AddDnsName(name);
            request.CertificateExtensions.Add(san.Build());
            var csr = AcmeAccountKey.Base64Url(request.CreateSigningRequest());
            await PostAsync(order.GetProperty("finalize").GetString()!, new { csr }, ct);
            order = await PollAsync(orderUrl, o => o == "valid", ct);
        }
        var certificateUrl = order.GetProperty("certificate").GetString()!;
        var (download, _) = await PostAsync(certificateUrl, null, ct, expectJson: false);
        var chainPem = await download.Content.ReadAsStringAsync(ct);
        var keyPem = certificateKey.ExportPkcs8PrivateKeyPem();
        var all = new X509Certificate2Collection();
        all.ImportFromPem(chainPem);
        if (all.Count == 0) throw new AcmeException("the certificate download held no certificate");
        var leaf = X509Certificate2.CreateFromPem(chainPem, keyPem);
        var chain = new X509Certificate2Collection(all.Where(c => c.Thumbprint != leaf.Thumbprint).ToArray());
        logger.LogInformation("ACME: issued {Name}, serial {Serial}, valid {NotBefore:u} to {NotAfter:u}", name, leaf.SerialNumber,
            leaf.NotBefore.ToUniversalTime(), leaf.NotAfter.ToUniversalTime());
        return new AcmeCertificate(leaf, chain, chainPem, keyPem);
    }

    private async Task EnsureAccountAsync(Uri directoryUrl, string? email, CancellationToken ct)
    {
        if (_accountUrl is not null) return;
        using (var response = await http.GetAsync(directoryUrl, ct))
        {
            await EnsureSuccessAsync(response, "directory", ct);
            _directory = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct)).RootElement.Clone();
        }
        object account = string.IsNullOrEmpty(email)
            ? new { termsOfServiceAgreed = true }
            : new { termsOfServiceAgreed = true, contact = new[] { "mailto:" + email } };
        // With a key the CA knows already, newAccount answers 200 with the existing account's URL (section 7.3.1).
        var (response2, _) = await PostAsync(Url("newAccount"), account, ct, signWithKid: false);
        _accountUrl = response2.Headers.Location?.ToString() ?? throw new AcmeException("newAccount answered without the account's Location");
    }

    private async Task AuthorizeAsync(string authorizationUrl, CancellationToken ct)
    {
        var (_, authorization) = await PostAsync(authorizationUrl, null, ct);
        if (Status(authorization) == "valid") return;
        var challenge = authorization.GetProperty("challenges").EnumerateArray()
            .FirstOrDefault(c => c.GetProperty("type").GetString() == "http-01");
        if (challenge.ValueKind != JsonValueKind.Object)
            throw new AcmeException($"the CA offers no http-01 challenge for {authorization.GetProperty("identifier")}");
        var token = challenge.GetProperty("token").GetString()!;
        // Section 8.3: the token must be base64url only, so it cannot name another path of the portal.
        if (token.Length == 0 || token.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_')))
            throw new AcmeException("the CA sent a challenge token that is not base64url");
        challenges.Offer(token, token + "." + key.Thumbprint);
        try
        {
            await PostAsync(challenge.GetProperty("url").GetString()!, new { }, ct);
            var done = await PollAsync(authorizationUrl, s => s is "valid" or "invalid", ct);
            if (Status(done) != "valid")
                throw new AcmeException($"the CA did not validate {authorization.GetProperty("identifier")}: {done}");
        }
        finally
        {
            challenges.Withdraw(token);
        }
    }

    private async Task<JsonElement> PollAsync(string url, Func<string, bool> done, CancellationToken ct)
    {
        while (true)
        {
            var (response, body) = await PostAsync(url, null, ct);
            var status = Status(body);
            if (done(status)) return body;
            if (status == "invalid")
                throw new AcmeException($"{url} became invalid: {body}");
            var wait = response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(1);
            await Task.Delay(wait < TimeSpan.FromSeconds(10) ? wait : TimeSpan.FromSeconds(10), ct);
        }
    }

    private async Task<(HttpResponseMessage Response, JsonElement Body)> PostAsync(string url, object? payload, CancellationToken ct,
        bool signWithKid = true, bool expectJson = true)
    {
        for (var attempt = 0; ; attempt++)
        {
            var nonce = _nonce ?? await NewNonceAsync(ct);
            _nonce = null;
            var body = key.Sign(url, nonce, signWithKid ? _accountUrl : null, payload);
            var response = await http.PostAsync(url, new StringContent(body, Encoding.UTF8) { Headers = { ContentType = JoseJson } }, ct);
            if (response.Headers.TryGetValues("Replay-Nonce", out var nonces))
                _nonce = nonces.FirstOrDefault();
            if (!response.IsSuccessStatusCode)
            {
                var problem = await response.Content.ReadAsStringAsync(ct);
                if (attempt == 0 && problem.Contains("urn:ietf:params:acme:error:badNonce", StringComparison.Ordinal))
                    continue;
                throw new AcmeException($"{url} answered {(int)response.StatusCode}: {problem}");
            }
            if (!expectJson) return (response, default);
            var text = await response.Content.ReadAsStringAsync(ct);
            return (response, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
        }
    }

    private async Task<string> NewNonceAsync(CancellationToken ct)
    {
        using var response = await http.SendAsync(new HttpRequestMessage(HttpMethod.Head, Url("newNonce")), ct);
        return response.Headers.TryGetValues("Replay-Nonce", out var nonces) && nonces.FirstOrDefault() is { } nonce
            ? nonce
            : throw new AcmeException("newNonce answered without a Replay-Nonce");
    }

    private string Url(string resource) => _directory.TryGetProperty(resource, out var url) && url.GetString() is { } s
        ? s
        : throw new AcmeException($"the ACME directory has no {resource}");

    private static string Status(JsonElement body) => body.ValueKind == JsonValueKind.Object && body.TryGetProperty("status", out var s) ? s.GetString() ?? "" : "";

    private static async Task EnsureSuccessAsync(HttpResponseMessage response, string what, CancellationToken ct)
    {
        if (response.StatusCode != HttpStatusCode.OK)
            throw new AcmeException($"the ACME {what} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(ct)}");
    }
}
