using HostingPanel.MailEngine.Protocol.Smtp;
using SmtpServer;
using SmtpServer.Protocol;

namespace HostingPanel.MailEngine.Sessions.Smtp;

/// <summary>Our EHLO/HELO: a plain greeting, ENHANCEDSTATUSCODES, and AUTH only where it may be used.</summary>
internal sealed class SmtpCommandFactoryEx(Func<ISessionContext, bool> authAllowed) : SmtpCommandFactory
{
    public override SmtpCommand CreateEhlo(string domainOrAddress) => new SmtpEhloCommand(domainOrAddress, authAllowed);
    public override SmtpCommand CreateHelo(string domainOrAddress) => new SmtpHeloCommand(domainOrAddress);
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
