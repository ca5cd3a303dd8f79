using HostingPanel.Application.Aliases;
using HostingPanel.Application.Common;
using HostingPanel.Application.Domains;
using HostingPanel.Application.Mailboxes;
using HostingPanel.Data.Identity;
using HostingPanel.Data.Model;
using HostingPanel.Web.Features.Shared;
using Microsoft.AspNetCore.Mvc;

namespace HostingPanel.Web.Features.Provisioning;

/// <summary>
/// Provisioning status of list rows: current statuses as JSON for the page's poller (wwwroot/js/status.js),
/// and Retry for a row. Tenancy comes from the services: a row outside the caller's scope is simply absent (404 on retry).
/// </summary>
[Route("provisioning"), RolesOr404(Roles.Admin, Roles.Support, Roles.Reseller, Roles.Customer)]
public sealed class ProvisioningController(DomainService domains, MailboxService mailboxes, AliasService aliases) : PortalController
{
    /// <summary>More keys than one page of rows holds is a mistake or abuse; the rest are ignored.</summary>
    public const int MaxKeys = 100;

    /// <summary>GET /provisioning/status?key=domain:a.example&amp;key=mailbox:a.example/info&amp;key=alias:a.example/sales</summary>
    [HttpGet("status")]
    public async Task<IActionResult> Status([FromQuery(Name = "key")] string[] keys, CancellationToken ct)
    {
        var items = new List<RowStatus>();
        foreach (var key in keys.Distinct().Take(MaxKeys))
        {
            if (!StatusKey.TryParse(key, out var parsed)) continue;
            var (status, detail) = parsed.Kind switch
            {
                StatusKey.DomainKind => From(await domains.GetAsync(parsed.Domain, ct), v => (v.Status, v.StatusDetail)),
                StatusKey.MailboxKind => From(await mailboxes.GetAsync(parsed.Domain, parsed.LocalPart!, ct), v => (v.Status, v.StatusDetail)),
                _ => From(await aliases.GetAsync(parsed.Domain, parsed.LocalPart!, ct), v => (v.Status, v.StatusDetail)),
            };
            if (status is { } s) items.Add(new RowStatus(key, StatusCell.Name(s), detail));
        }
        return Json(new { items });
    }

    /// <summary>Queues a row's provisioning again, then shows the page it came from.</summary>
    [HttpPost("retry")]
    public async Task<IActionResult> Retry(string key, string? returnUrl, CancellationToken ct)
    {
        if (!StatusKey.TryParse(key, out var parsed)) return NotFound();
        var failure = parsed.Kind switch
        {
            StatusKey.DomainKind => (await domains.RetryAsync(parsed.Domain, ct)).Failure,
            StatusKey.MailboxKind => (await mailboxes.RetryAsync(parsed.Domain, parsed.LocalPart!, ct)).Failure,
            _ => (await aliases.RetryAsync(parsed.Domain, parsed.LocalPart!, ct)).Failure,
        };
        if (failure is not null) return failure.Kind == FailureKind.NotFound ? NotFound() : BadRequest(failure.Message);
        Flash($"{parsed.Describe()} queued for provisioning again.");
        return Url.IsLocalUrl(returnUrl) ? LocalRedirect(returnUrl) : LocalRedirect(parsed.Kind == StatusKey.DomainKind ? "/domains" : $"/domains/{parsed.Domain}");
    }

    private static (EntityStatus?, string?) From<T>(ServiceResult<T> result, Func<T, (EntityStatus, string?)> read) =>
        result.Succeeded ? read(result.Value!) : (null, null);

    private sealed record RowStatus(string Key, string Status, string? StatusDetail);
}

/// <summary>A list row's identity for status polling and retry: "domain:NAME", "mailbox:DOMAIN/LOCAL" or "alias:DOMAIN/LOCAL".</summary>
public sealed record StatusKey(string Kind, string Domain, string? LocalPart)
{
    public const string DomainKind = "domain", MailboxKind = "mailbox", AliasKind = "alias";

    public override string ToString() => LocalPart is null ? $"{Kind}:{Domain}" : $"{Kind}:{Domain}/{LocalPart}";

    public string Describe() => Kind switch
    {
        DomainKind => $"Domain {Domain}",
        MailboxKind => $"Mailbox {LocalPart}@{Domain}",
        _ => $"Alias {LocalPart}@{Domain}",
    };

    public static bool TryParse(string? text, out StatusKey key)
    {
        key = null!;
        var colon = text?.IndexOf(':') ?? -1;
        if (colon <= 0) return false;
        var kind = text![..colon];
        var rest = text[(colon + 1)..];
        if (kind == DomainKind)
        {
            if (rest.Length == 0 || rest.Contains('/')) return false;
            key = new StatusKey(kind, rest, null);
            return true;
        }
        if (kind is not (MailboxKind or AliasKind)) return false;
        var slash = rest.IndexOf('/');
        if (slash <= 0 || slash == rest.Length - 1) return false;
        key = new StatusKey(kind, rest[..slash], rest[(slash + 1)..]);
        return true;
    }
}
