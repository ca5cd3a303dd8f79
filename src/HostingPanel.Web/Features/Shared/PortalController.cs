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
            foreach (var message in messages) ModelState.AddModelError(key, message);
        }
        if (failure.Errors.Count == 0) ModelState.AddModelError("", failure.Message);
        return null;
    }

    protected void Flash(string message) => TempData["Success"] = message;
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

    public static string Date(DateTimeOffset? at) => at is { } a ? a.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", System.Globalization.CultureInfo.InvariantCulture) : "never";
}

/// <summary>A quota bar: bytes used of a quota in MB.</summary>
public sealed record QuotaBar(long UsedBytes, long QuotaMb, string Label);

/// <summary>The pager under a list: keeps the search text and any other query values.</summary>
public sealed record Pager(int PageNumber, int PageCount, int Total, string? Search, string PageParameter = "page");
