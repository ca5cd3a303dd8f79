using HostingPanel.Application.Common;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;

namespace HostingPanel.Web.Features.Shared;

/// <summary>What every portal controller shares: paging, and turning a service's Failure into page messages.</summary>
public abstract class PortalController : Controller
{
    public const int PageSize = 25;

    protected static PageRequest Paging(int page, string? q) => new(page < 1 ? 1 : page, PageSize, q);

    /// <summary>
    /// Puts a failure's messages next to their fields (the services name fields as the forms do, nested like
    /// Limits.MaxDomains); <paramref name="rename"/> maps a service field to a form field where they differ.
    /// Returns 404 for NotFound (anything outside the user's scope), otherwise null: show the form again.
    /// </summary>
    protected IActionResult? Show(Failure failure, Func<string, string>? rename = null)
    {
        if (failure.Kind == FailureKind.NotFound) return NotFound();
        foreach (var (field, messages) in failure.Errors)
        {
            var key = rename?.Invoke(field) ?? field;
            foreach (var message in messages) ModelState.AddModelError(key, Text.T(message));
        }
        if (failure.Errors.Count == 0) ModelState.AddModelError("", Text.T(failure.Message));
        return null;
    }

    /// <summary>A message for the next page, in the user's language.</summary>
    protected void Flash(string message) => TempData["Success"] = Text.T(message);
}

/// <summary>Lets only the named roles in; everyone else gets 404, as for anything outside its scope.</summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method, AllowMultiple = false)]
public sealed class RolesOr404Attribute(params string[] roles) : Attribute, IAuthorizationFilter
{
    public IReadOnlyList<string> Roles { get; } = roles;

    public void OnAuthorization(AuthorizationFilterContext context)
    {
        var user = context.HttpContext.User;
        if (user.Identity?.IsAuthenticated != true) return; // the global policy sends anonymous visitors to the login page
        if (!Roles.Any(user.IsInRole)) context.Result = new NotFoundResult();
    }
}

public static class Format
{
    private static readonly string[] Units = ["B", "KB", "MB", "GB", "TB"];

    public static string Bytes(long bytes)
    {
        double value = bytes;
        var unit = 0;
        while (value >= 1024 && unit < Units.Length - 1) { value /= 1024; unit++; }
        return unit == 0 ? $"{bytes} B" : $"{value:0.#} {Units[unit]}";
    }

    public static string Mb(long mb) => mb >= 1024 && mb % 1024 == 0 ? $"{mb / 1024} GB" : $"{mb} MB";

    public static double Percent(long usedBytes, long quotaMb) =>
        quotaMb <= 0 ? 0 : Math.Min(100, usedBytes * 100.0 / (quotaMb * 1024.0 * 1024.0));

    /// <summary>A moment in the user's time zone, with the zone's offset so it is never mistaken for another zone's time.</summary>
    public static string Date(DateTimeOffset? at) => at is { } a ? Minutes(a) : Text.T("never");

    /// <summary>Down to the second, in the user's time zone (logs).</summary>
    public static string Seconds(DateTimeOffset at) => InZone(at, "yyyy-MM-dd HH:mm:ss");

    /// <summary>The day of a moment in the user's time zone.</summary>
    public static string Day(DateTimeOffset at) => TimeZoneInfo.ConvertTime(at, Hosting.UserClock.Zone).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

    private static string Minutes(DateTimeOffset at) => InZone(at, "yyyy-MM-dd HH:mm");

    private static string InZone(DateTimeOffset at, string pattern)
    {
        var zone = Hosting.UserClock.Zone;
        var local = TimeZoneInfo.ConvertTime(at, zone);
        var text = local.ToString(pattern, System.Globalization.CultureInfo.InvariantCulture);
        return zone == TimeZoneInfo.Utc ? text + " UTC" : text + " " + (local.Offset < TimeSpan.Zero ? "-" : "+") + local.Offset.ToString(@"hh\:mm", System.Globalization.CultureInfo.InvariantCulture);
    }
}

/// <summary>A quota bar: bytes used of a quota in MB.</summary>
public sealed record QuotaBar(long UsedBytes, long QuotaMb, string Label);

/// <summary>The pager under a list: keeps the search text and any other query values.</summary>
public sealed record Pager(int PageNumber, int PageCount, int Total, string? Search, string PageParameter = "page");
