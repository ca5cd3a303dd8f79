using System.Text.Json;
using HostingPanel.Application.Usage;

namespace HostingPanel.Web.Features.Shared;

/// <summary>
/// The "disk use over time" card (issue 19 item 6) on the mailbox, owner, customer and reseller pages.
/// <see cref="RangeUrl"/> is the page itself; the card links it with <c>?range=week</c> and <c>?range=year</c>.
/// </summary>
public sealed record UsageHistoryChart(UsageHistoryView History, string RangeUrl, DateTimeOffset Now)
{
    /// <summary>
    /// The chart's points for /js/usage-chart.js (<c>[{t: ms, mb}]</c>), HTML-encoded by Razor in an attribute: the stored
    /// points, then the use now, so that a mailbox whose last change was days ago still reaches today.
    /// </summary>
    public string PointsJson => JsonSerializer.Serialize(
        History.Points.Select(p => new { t = p.At.ToUnixTimeMilliseconds(), mb = Mb(p.UsedBytes) })
            .Append(new { t = Now.ToUnixTimeMilliseconds(), mb = Mb(History.CurrentBytes) }));

    public bool HasHistory => History.Points.Count > 0;

    private static double Mb(long bytes) => Math.Round(bytes / 1048576.0, 2);
}
