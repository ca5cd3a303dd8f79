using System.Globalization;

namespace HostingPanel.MailEngine.Sieve;

/// <summary>RFC 5260 section 4.2: the date parts currentdate can compare.</summary>
internal static class SieveDates
{
    public static readonly HashSet<string> Parts =
        ["year", "month", "day", "date", "julian", "hour", "minute", "second", "time", "iso8601", "std11", "zone", "weekday"];

    public static string Part(DateTimeOffset t, string part) => part switch
    {
        "year" => t.ToString("yyyy", CultureInfo.InvariantCulture),
        "month" => t.ToString("MM", CultureInfo.InvariantCulture),
        "day" => t.ToString("dd", CultureInfo.InvariantCulture),
        "date" => t.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        // Modified Julian Day: days since 1858-11-17.
        "julian" => ((long)(t.Date - new DateTime(1858, 11, 17)).TotalDays).ToString(CultureInfo.InvariantCulture),
        "hour" => t.ToString("HH", CultureInfo.InvariantCulture),
        "minute" => t.ToString("mm", CultureInfo.InvariantCulture),
        "second" => t.ToString("ss", CultureInfo.InvariantCulture),
        "time" => t.ToString("HH:mm:ss", CultureInfo.InvariantCulture),
        "iso8601" => t.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture) + Zone(t, colon: true),
        "std11" => t.ToString("ddd, dd MMM yyyy HH:mm:ss ", CultureInfo.InvariantCulture) + Zone(t, colon: false),
        "zone" => Zone(t, colon: false),
        _ => ((int)t.DayOfWeek).ToString(CultureInfo.InvariantCulture),
    };

    private static string Zone(DateTimeOffset t, bool colon)
    {
        var o = t.Offset;
        var sign = o < TimeSpan.Zero ? "-" : "+";
        o = o.Duration();
        return sign + o.Hours.ToString("00", CultureInfo.InvariantCulture) + (colon ? ":" : "") + o.Minutes.ToString("00", CultureInfo.InvariantCulture);
    }

    /// <summary>"+hhmm" / "-hhmm".</summary>
    public static TimeSpan? ParseZone(string text)
    {
        if (text.Length != 5 || text[0] is not ('+' or '-') || !int.TryParse(text.AsSpan(1, 2), NumberStyles.None, CultureInfo.InvariantCulture, out var h)
            || !int.TryParse(text.AsSpan(3, 2), NumberStyles.None, CultureInfo.InvariantCulture, out var m) || h > 14 || m > 59)
            return null;
        var span = new TimeSpan(h, m, 0);
        return text[0] == '-' ? -span : span;
    }
}
