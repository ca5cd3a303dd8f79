using HostingPanel.Application.Certificates;

namespace HostingPanel.Web.Api.Endpoints;

/// <summary>A hosted domain's own certificate for mail.{domain}, from the ACME CA the operator set up (Acme:*).</summary>
public static class DomainCertificateEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        var certificate = api.MapGroup("/domains/{domain}/certificate").WithTags("Domains");

        certificate.MapGet("", async (string domain, DomainCertificateService service, CancellationToken ct) =>
                (await service.GetAsync(domain, ct)).ToOk(DomainCertificateDto.From))
            .WithName("GetDomainCertificate").WithSummary("The domain's own certificate and its state")
            .WithDescription("`status`: `none` (not asked for: the server's certificate serves the domain), `requested` (not issued yet), `issued` (served by SNI on every TLS listener for `hostName`), `failed` (the CA refused or could not reach the server; `error` says why, tried again at `retryAt`).")
            .Produces<DomainCertificateDto>().NotFound();

        certificate.MapPost("", async (string domain, DomainCertificateService service, CancellationToken ct) =>
                (await service.RequestAsync(domain, ct)).ToOk(DomainCertificateDto.From))
            .WithName("RequestDomainCertificate").WithSummary("Ask for a certificate for mail.{domain}")
            .WithDescription("Only for a verified domain, and only where the operator enabled ACME (409 otherwise, with the reason). `mail.{domain}` must point at this server (an A/AAAA or CNAME record) for the CA's HTTP-01 check. Issued within the next pass of the renewal loop, renewed at two thirds of its lifetime. Asking again changes nothing.")
            .Produces<DomainCertificateDto>().Conflict().NotFound();

        certificate.MapDelete("", async (string domain, DomainCertificateService service, CancellationToken ct) =>
                (await service.WithdrawAsync(domain, ct)).ToOk(DomainCertificateDto.From))
            .WithName("WithdrawDomainCertificate").WithSummary("Stop keeping a certificate for mail.{domain}")
            .WithDescription("The certificate stops being served at the renewal loop's next pass; clients asking for `mail.{domain}` get the server's certificate again.")
            .Produces<DomainCertificateDto>().NotFound();
    }
}

/// <summary>A domain's own certificate: see <c>GET /api/v1/domains/{domain}/certificate</c>.</summary>
public sealed record DomainCertificateDto(
    string Domain, string HostName, string Status, DateTimeOffset? RequestedAt, DateTimeOffset? NotBefore, DateTimeOffset? NotAfter,
    string? Error, DateTimeOffset? RetryAt, bool IssuerEnabled)
{
    public static DomainCertificateDto From(DomainCertificateView v) =>
        new(v.Domain, v.HostName, v.Status, v.RequestedAt, v.NotBefore, v.NotAfter, v.Error, v.RetryAt, v.IssuerEnabled);
}
