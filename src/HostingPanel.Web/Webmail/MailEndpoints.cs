using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using HostingPanel.MailEngine.Listeners;
using HostingPanel.MailEngine.Hosting;
using HostingPanel.Web.Features.Shared;
using MailKit.Security;

namespace HostingPanel.Web.Webmail;

/// <summary>Where a mail client reaches a service, and how it secures the connection.</summary>
public sealed record MailEndpoint(string Host, int Port, SecureSocketOptions Security);

/// <summary>
/// The engine's IMAP and submission listeners as an outside client reaches them. With the mail role in
/// this process the bound ports come from the listener registry (TLS preferred: imaps, then imap with
/// STARTTLS); otherwise the configured Mail:Hostname and ports. The engine's own certificate (often
/// self-signed) is trusted by its thumbprint; any other certificate must pass normal validation.
/// </summary>
public sealed class MailEndpoints(IServiceProvider services, IMailListenerRegistry listeners, IConfiguration configuration)
{
    public MailEndpoint Imap() => Resolve(("imaps", SecureSocketOptions.SslOnConnect), ("imap", SecureSocketOptions.StartTls))
        ?? Configured(s => s.Imaps, s => s.Imap);

    public MailEndpoint Submission() => Resolve(("submissions", SecureSocketOptions.SslOnConnect), ("submission", SecureSocketOptions.StartTls))
        ?? Configured(s => s.Submissions, s => s.Submission);

    public bool ValidateCertificate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (errors == SslPolicyErrors.None) return true;
        if (certificate is null || services.GetService<MailTlsCertificate>() is not { } own) return false;
        return string.Equals(certificate.GetCertHashString(), own.Certificate.GetCertHashString(), StringComparison.OrdinalIgnoreCase);
    }

    private MailEndpoint? Resolve(params (string Name, SecureSocketOptions Security)[] candidates)
    {
        // Where this node runs no engine, no listener is registered: the configured host name and ports apply.
        foreach (var (name, security) in candidates)
            if (listeners.EndPoints.TryGetValue(name, out var endPoint))
                return new MailEndpoint(Reachable(endPoint.Address).ToString(), endPoint.Port, security);
        return null;
    }

    /// <summary>A listener bound to every address is reached on loopback.</summary>
    private static IPAddress Reachable(IPAddress bound) =>
        bound.Equals(IPAddress.Any) ? IPAddress.Loopback : bound.Equals(IPAddress.IPv6Any) ? IPAddress.IPv6Loopback : bound;

    private MailEndpoint Configured(Func<MailServers, int> implicitTls, Func<MailServers, int> startTls)
    {
        var servers = MailServers.From(configuration);
        return implicitTls(servers) != 0
            ? new MailEndpoint(servers.Hostname, implicitTls(servers), SecureSocketOptions.SslOnConnect)
            : new MailEndpoint(servers.Hostname, startTls(servers), SecureSocketOptions.StartTls);
    }
}
