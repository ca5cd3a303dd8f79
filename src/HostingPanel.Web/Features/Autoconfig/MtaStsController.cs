using HostingPanel.Application.Domains;
using HostingPanel.Web.Features.Domains;
using HostingPanel.Web.Features.Shared;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;

namespace HostingPanel.Web.Features.Autoconfig;

/// <summary>
/// The MTA-STS policy file (RFC 8461 section 3.3), fetched by sending servers from
/// <c>https://mta-sts.{domain}/.well-known/mta-sts.txt</c> (the domain's <c>mta-sts</c> name points here, and the
/// portal's certificate must cover it). Anonymous by nature; a Host that is not <c>mta-sts.</c> of a hosted domain gets 404,
/// and so does every Host while <c>Mail:MtaSts:Mode</c> is Off.
/// </summary>
[AllowAnonymous]
public sealed class MtaStsController(HostedDomainLookup lookup, IConfiguration configuration) : Controller
{
    [HttpGet("/.well-known/mta-sts.txt")]
    public async Task<IActionResult> Policy(CancellationToken ct)
    {
        var servers = MailServers.From(configuration);
        if (servers.MtaSts == MtaStsPublishing.Off)
            return NotFound();
        var host = Request.Host.Host.TrimEnd('.');
        if (!host.StartsWith("mta-sts.", StringComparison.OrdinalIgnoreCase))
            return NotFound();
        if (await lookup.FindAsync(host["mta-sts.".Length..], ct) is null)
            return NotFound();
        return Content(MtaStsPolicy.Text(servers.Hostname, servers.MtaSts), "text/plain; charset=utf-8");
    }
}
