using System.Collections.Concurrent;

namespace HostingPanel.Web.Hosting.Acme;

/// <summary>
/// HTTP-01 answers being offered now (RFC 8555 section 8.3): token to key authorization. The portal serves them at
/// /.well-known/acme-challenge/{token} while an order waits for validation, and forgets them afterwards.
/// </summary>
public sealed class AcmeChallenges
{
    public const string PathPrefix = "/.well-known/acme-challenge/";

    private readonly ConcurrentDictionary<string, string> _answers = new(StringComparer.Ordinal);

    public void Offer(string token, string keyAuthorization) => _answers[token] = keyAuthorization;

    public void Withdraw(string token) => _answers.TryRemove(token, out _);

    public string? Answer(string token) => _answers.TryGetValue(token, out var answer) ? answer : null;

    /// <summary>GET /.well-known/acme-challenge/{token}: the key authorization as text, 404 for any other token.</summary>
    public static void Map(IEndpointRouteBuilder app) =>
        app.MapGet(PathPrefix + "{token}", (string token, AcmeChallenges challenges) =>
                challenges.Answer(token) is { } answer ? Results.Text(answer, "application/octet-stream") : Results.NotFound())
            .AllowAnonymous()
            .ExcludeFromDescription();
}
