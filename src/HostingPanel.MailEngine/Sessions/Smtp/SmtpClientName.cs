using SmtpServer;

namespace HostingPanel.MailEngine.Sessions.Smtp;

/// <summary>The client as the delivery log names it: its address, and the authenticated user when there is one.</summary>
internal static class SmtpClientName
{
    public static string Of(ISessionContext context) =>
        context.Account() is { } account ? $"{context.RemoteAddress()} ({account.Address})" : context.RemoteAddress().ToString();
}
