using System.Security.Claims;
using System.Text.Encodings.Web;
using HostingPanel.Application.ApiKeys;
using HostingPanel.Application.Users;
using HostingPanel.Data;
using HostingPanel.Data.Identity;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace HostingPanel.Web.Hosting;

/// <summary>`Authorization: Bearer &lt;api key&gt;`: the key's user, with that user's role and tenant claims.</summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    IServiceScopeFactory scopes,
    IMemoryCache cache,
    CredentialEpoch epoch)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";

    // Writing LastUsedAt on every request would turn reads into writes; once a minute is what the portal needs.
    private static readonly TimeSpan TouchInterval = TimeSpan.FromMinutes(1);

    // Building the principal costs six queries (key, user, lockout, standing, roles, claims); a script creating
    // thousands of objects would pay them on every call. A few seconds is short enough for changes made elsewhere
    // (another process, raw SQL); changes made through this process advance the epoch and drop the entry at once.
    private static readonly TimeSpan PrincipalLifetime = TimeSpan.FromSeconds(5);

    private sealed record CachedPrincipal(ClaimsPrincipal Principal, long Epoch);

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) return AuthenticateResult.NoResult();
        var key = header["Bearer ".Length..].Trim();
        if (key.Length is 0 or > 200) return AuthenticateResult.Fail("Invalid API key.");

        var hash = ApiKeySecrets.Hash(key);
        var cacheKey = "apikey-principal:" + hash;
        if (cache.TryGetValue(cacheKey, out CachedPrincipal? cached) && cached!.Epoch == epoch.Current)
            return AuthenticateResult.Success(new AuthenticationTicket(cached.Principal, SchemeName));

        // Read before the rows: a change saved while this principal is built leaves it stale-marked, never cached fresh.
        var builtAt = epoch.Current;
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<HostingPanelDbContext>();
        var apiKey = await db.ApiKeys.FirstOrDefaultAsync(k => k.SecretHash == hash && k.RevokedAt == null, Context.RequestAborted);
        if (apiKey is null) return AuthenticateResult.Fail("Invalid API key.");

        var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
        var user = await users.FindByIdAsync(apiKey.UserId);
        // Not the sign-in lockout: failed portal passwords (anyone can cause them) never disable an account's keys.
        if (user is null) return AuthenticateResult.Fail("Invalid API key.");
        if (await scope.ServiceProvider.GetRequiredService<AccountStanding>().IsSuspendedAsync(user, Context.RequestAborted))
            return AuthenticateResult.Fail(AccountStanding.SuspendedMessage);

        var now = DateTimeOffset.UtcNow;
        if (apiKey.LastUsedAt is null || now - apiKey.LastUsedAt > TouchInterval)
        {
            apiKey.Touch(now);
            await db.SaveChangesAsync(Context.RequestAborted);
        }

        var factory = scope.ServiceProvider.GetRequiredService<IUserClaimsPrincipalFactory<AppUser>>();
        var principal = await factory.CreateAsync(user);
        var identity = new ClaimsIdentity(principal.Claims, SchemeName);
        identity.AddClaim(new Claim("hp:apikey", apiKey.Id.ToString()));
        var authenticated = new ClaimsPrincipal(identity);
        cache.Set(cacheKey, new CachedPrincipal(authenticated, builtAt), PrincipalLifetime);
        return AuthenticateResult.Success(new AuthenticationTicket(authenticated, SchemeName));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = "Bearer";
        // A valid key of a suspended account says so; every other failure gets the same text, telling nothing.
        var outcome = await HandleAuthenticateOnceSafeAsync();
        var detail = outcome.Failure?.Message == AccountStanding.SuspendedMessage
            ? AccountStanding.SuspendedMessage
            : "Send a valid API key as 'Authorization: Bearer <key>'.";
        await Results.Problem(statusCode: 401, title: "Unauthorized", detail: detail).ExecuteAsync(Context);
    }
}
