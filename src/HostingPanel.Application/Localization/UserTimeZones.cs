namespace HostingPanel.Application.Localization;

/// <summary>
/// The time zones a user or a reseller may choose: the IANA names this machine's time zone database knows. A value is
/// checked against this list before it is stored, so an id is never handed to the system's lookup unchecked (which reads
/// files named after it).
/// </summary>
public static class UserTimeZones
{
    public const string Utc = "UTC";

    private static readonly Lazy<IReadOnlyDictionary<string, TimeZoneInfo>> Known = new(() =>
    {
        var zones = new Dictionary<string, TimeZoneInfo>(StringComparer.Ordinal) { [Utc] = TimeZoneInfo.Utc };
        foreach (var zone in TimeZoneInfo.GetSystemTimeZones())
            if (zone.HasIanaId) zones.TryAdd(zone.Id, zone);
        return zones;
    });

    /// <summary>Every choice, sorted by name (Asia/Kuala_Lumpur, Europe/Berlin, UTC, ...).</summary>
    public static IReadOnlyList<string> All => [.. Known.Value.Keys.Order(StringComparer.Ordinal)];

    public static bool IsKnown(string? id) => id is not null && Known.Value.ContainsKey(id);

    /// <summary>The zone of a stored id; UTC for null or an id this machine no longer knows.</summary>
    public static TimeZoneInfo Find(string? id) => id is not null && Known.Value.TryGetValue(id, out var zone) ? zone : TimeZoneInfo.Utc;
}
