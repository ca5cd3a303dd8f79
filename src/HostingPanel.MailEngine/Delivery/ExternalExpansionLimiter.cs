using HostingPanel.MailEngine.Sessions.Smtp;
using Microsoft.Extensions.Options;

namespace HostingPanel.MailEngine.Delivery;

/// <summary>
/// Outside addresses reached through a tenant's aliases and forwards, counted per tenant over a sliding hour (sixty
/// one-minute buckets) against <see cref="SmtpLimitsOptions.ExpandedExternalPerTenantPerHour"/>: a hostile tenant, or
/// a stranger writing to one tenant's big alias, cannot turn the server into an amplifier. Held in memory per mail node
/// (a cache-like limit: a restart forgets it, several nodes each allow the figure).
/// </summary>
public sealed class ExternalExpansionLimiter(IOptions<SmtpLimitsOptions> options, TimeProvider time)
{
    private const int Buckets = 60;
    private readonly int _limit = options.Value.ExpandedExternalPerTenantPerHour;
    private readonly Dictionary<string, Window> _windows = new(StringComparer.Ordinal);

    /// <summary>Counts <paramref name="count"/> more for <paramref name="tenant"/> unless that would pass the hourly limit.</summary>
    public bool TryTake(string tenant, int count)
    {
        if (_limit <= 0 || count <= 0)
            return true;
        var minute = time.GetUtcNow().ToUnixTimeSeconds() / 60;
        lock (_windows)
        {
            if (!_windows.TryGetValue(tenant, out var window))
                _windows[tenant] = window = new Window();
            var used = 0L;
            for (var i = 0; i < Buckets; i++)
                if (window.Minutes[i] > minute - Buckets)
                    used += window.Counts[i];
            if (used + count > _limit)
                return false;
            var slot = (int)(minute % Buckets);
            if (window.Minutes[slot] != minute)
            {
                window.Minutes[slot] = minute;
                window.Counts[slot] = 0;
            }
            window.Counts[slot] += count;
            return true;
        }
    }

    private sealed class Window
    {
        public long[] Minutes { get; } = new long[Buckets];
        public long[] Counts { get; } = new long[Buckets];
    }
}
