using HostingPanel.MailEngine.Protocol.Smtp;
using SmtpServer;
using SmtpServer.Protocol;

namespace HostingPanel.MailEngine.Sessions.Smtp;

/// <summary>
/// Our EHLO/HELO: a plain greeting, ENHANCEDSTATUSCODES, and AUTH only where it may be used. No PROXY
/// command: the package would take one from any client.
/// </summary>
internal sealed class SmtpCommandFactoryEx(Func<ISessionContext, bool> authAllowed) : SmtpCommandFactory
{
    public override SmtpCommand CreateEhlo(string domainOrAddress) => new SmtpEhloCommand(domainOrAddress, authAllowed);
    public override SmtpCommand CreateHelo(string domainOrAddress) => new SmtpHeloCommand(domainOrAddress);

    /// <summary>
    /// The package reads a PROXY v1 line as a command from whoever sends it. Headers from trusted
    /// balancers are taken off the connection before SMTP starts (Listeners/ProxyHeaderReader); a PROXY
    /// line inside the SMTP dialogue comes from a client claiming to be someone else, so the session
    /// ends (the PROXY protocol's section 2: a receiver must not guess or believe such a header).
    /// </summary>
    public override SmtpCommand CreateProxy(System.Net.IPEndPoint sourceEndpoint = null!, System.Net.IPEndPoint destinationEndpoint = null!) =>
        throw new SmtpResponseException(new SmtpResponse(SmtpReplyCode.SyntaxError, "5.5.1 PROXY is accepted only from the configured balancers"), quit: true);
}

internal sealed class SmtpEhloCommand(string domainOrAddress, Func<ISessionContext, bool> authAllowed) : EhloCommand(domainOrAddress)
{
    protected override string GetGreeting(ISessionContext context)
    {
        context.SetHelo(DomainOrAddress);
        return $"{context.ServerOptions.ServerName} Hello {SmtpText.Escape(DomainOrAddress, 100)}";
    }

    protected override IEnumerable<string> GetExtensions(ISessionContext context)
    {
        foreach (var extension in base.GetExtensions(context))
        {
            if (extension.StartsWith("AUTH", StringComparison.OrdinalIgnoreCase) && !authAllowed(context))
                continue;
            yield return extension;
        }
        yield return "ENHANCEDSTATUSCODES";
        yield return "DSN"; // RFC 3461: NOTIFY, ORCPT, RET, ENVID (SmtpDsnSession)
        yield return "CHUNKING"; // RFC 3030: BDAT (SmtpChunking)
        // RFC 8689 section 4.1: only once the session is protected (SmtpDsnSession refuses it in clear).
        if (context.Pipe is { IsSecure: true })
            yield return "REQUIRETLS";
    }
}

internal sealed class SmtpHeloCommand(string domainOrAddress) : HeloCommand(domainOrAddress)
{
    protected override string GetGreeting(ISessionContext context)
    {
        context.SetHelo(DomainOrAddress);
        return $"{context.ServerOptions.ServerName} Hello {SmtpText.Escape(DomainOrAddress, 100)}";
    }
}
