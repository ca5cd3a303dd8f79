using HostingPanel.Application.Domains;
using HostingPanel.Web.Features.Shared;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;

namespace HostingPanel.Web.Features.Autoconfig;

/// <summary>
/// Mail client auto-configuration for hosted domains: Thunderbird's autoconfig and Outlook's Autodiscover.
/// Anonymous by nature; an address of a domain not hosted here gets 404, nothing else.
/// </summary>
[AllowAnonymous]
public sealed class AutoconfigController(HostedDomainLookup lookup, IConfiguration configuration) : Controller
{
    private const string XmlContentType = "application/xml; charset=utf-8";

    /// <summary>Thunderbird asks autoconfig.{domain} first, then {domain}/.well-known; the Host header names the domain when no address is given.</summary>
    [HttpGet("/mail/config-v1.1.xml"), HttpGet("/.well-known/autoconfig/mail/config-v1.1.xml")]
    public async Task<IActionResult> Thunderbird([FromQuery(Name = "emailaddress")] string? emailAddress, CancellationToken ct)
    {
        var candidate = HostedDomainLookup.DomainOf(emailAddress) ?? HostDomain();
        var domain = await lookup.FindAsync(candidate, ct);
        if (domain is null) return NotFound();
        return File(MailClientConfig.ToBytes(MailClientConfig.Thunderbird(domain, MailServers.From(configuration))), XmlContentType);
    }

    [HttpPost("/autodiscover/autodiscover.xml"), IgnoreAntiforgeryToken] // routes match case-insensitively: also Outlook's /Autodiscover/Autodiscover.xml
    public async Task<IActionResult> Autodiscover(CancellationToken ct)
    {
        var body = await ReadBoundedAsync(Request.Body, MailClientConfig.MaxRequestBytes, ct);
        if (body is null) return BadRequest();
        var address = MailClientConfig.ReadAutodiscoverAddress(body);
        if (address is null) return BadRequest();
        var domain = await lookup.FindAsync(HostedDomainLookup.DomainOf(address), ct);
        if (domain is null) return NotFound();
        return File(MailClientConfig.ToBytes(MailClientConfig.Autodiscover(address, MailServers.From(configuration))), XmlContentType);
    }

    // autoconfig.example.com → example.com; a bare host name is tried as is.
    private string? HostDomain()
    {
        var host = Request.Host.Host;
        return host.StartsWith("autoconfig.", StringComparison.OrdinalIgnoreCase) ? host["autoconfig.".Length..] : host;
    }

    /// <summary>The whole body, or null when it is longer than <paramref name="limit"/> bytes (read no further).</summary>
    private static async Task<byte[]?> ReadBoundedAsync(Stream body, int limit, CancellationToken ct)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        while ((read = await body.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + read > limit) return null;
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }
}
