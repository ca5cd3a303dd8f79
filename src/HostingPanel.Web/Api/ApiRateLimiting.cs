using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace HostingPanel.Web.Api;

/// <summary>`Api:RateLimit:*`: a token bucket per API key (burst, then a steady rate per second).</summary>
public sealed class ApiRateLimitOptions
{
    /// <summary>Requests a key may make at once before it has to wait.</summary>
    public int Burst { get; set; } = 300;
    /// <summary>Requests per second a key gets back.</summary>
    public int PerSecond { get; set; } = 50;
}

/// <summary>Rate limiting per API key with ASP.NET Core's rate limiter; over the limit: 429 with Retry-After.</summary>
public static class ApiRateLimiting
{
    public const string PolicyName = "api-key";

    public static IServiceCollection AddApiRateLimiting(this IServiceCollection services)
    {
        services.AddOptions<ApiRateLimitOptions>().BindConfiguration("Api:RateLimit")
            .Validate(o => o.Burst >= 1 && o.PerSecond >= 1, "Api:RateLimit:Burst and Api:RateLimit:PerSecond must be at least 1.");
        services.AddRateLimiter(o =>
        {
            o.AddPolicy(PolicyName, http =>
            {
                var options = http.RequestServices.GetRequiredService<IOptions<ApiRateLimitOptions>>().Value;
                // Runs after authorization: the principal is the key's. Without one (never reached: 401 first), the address.
                var key = http.User.FindFirst("hp:apikey")?.Value ?? "ip:" + http.Connection.RemoteIpAddress;
                return RateLimitPartition.GetTokenBucketLimiter(key, _ => new TokenBucketRateLimiterOptions
                {
                    TokenLimit = options.Burst,
                    TokensPerPeriod = options.PerSecond,
                    ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                    QueueLimit = 0,
                    AutoReplenishment = true,
                });
            });
            o.OnRejected = async (context, ct) =>
            {
                var seconds = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter)
                    ? Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds))
                    : 1;
                var response = context.HttpContext.Response;
                response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
                await ApiProblems.Problem(StatusCodes.Status429TooManyRequests, "Too many requests",
                    $"This API key made too many requests; retry after {seconds} second(s).").ExecuteAsync(context.HttpContext);
            };
        });
        return services;
    }
}
