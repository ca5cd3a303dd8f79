using HostingPanel.MailEngine.Hosting;
using Microsoft.Extensions.Options;

namespace HostingPanel.Web.Features.PasswordReset;

/// <summary>
/// Where the links in the product's mails point. <c>Portal:PublicUrl</c> when set; otherwise the request's own host,
/// but only when that is a loopback address or <c>Mail:Hostname</c>: the Host header is the client's to choose, and a
/// reset link to a host the attacker named would hand the secret to the attacker (host header poisoning).
/// </summary>
public sealed class ResetLinkBase(IConfiguration configuration, IOptions<MailEngineOptions> mail)
{
    public const string PublicUrlKey = "Portal:PublicUrl";

    public string For(HttpRequest request, string path)
    {
        if (configuration[PublicUrlKey] is { Length: > 0 } configured) return configured.TrimEnd('/') + path;
        var host = request.Host.Host;
        var trusted = string.Equals(host, mail.Value.Hostname, StringComparison.OrdinalIgnoreCase)
            || host == "localhost"
            || (System.Net.IPAddress.TryParse(host.Trim('[', ']'), out var ip) && System.Net.IPAddress.IsLoopback(ip));
        return trusted
            ? $"{request.Scheme}://{request.Host}{path}"
            : $"https://{mail.Value.Hostname}{path}";
    }
}
