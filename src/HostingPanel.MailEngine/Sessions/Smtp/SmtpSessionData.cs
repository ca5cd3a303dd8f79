using System.Net;
using HostingPanel.MailEngine.Storage;
using SmtpServer;
using SmtpServer.Net;

namespace HostingPanel.MailEngine.Sessions.Smtp;

/// <summary>What our handlers keep in a session's property bag.</summary>
internal static class SmtpSessionData
{
    private const string AccountKey = "hp:account";
    private const string HeloKey = "hp:helo";
    private const string RecipientCountKey = "hp:recipients";

    public static IPAddress RemoteAddress(this ISessionContext context)
    {
        if (context.Properties.TryGetValue(EndpointListener.RemoteEndPointKey, out var value) && value is IPEndPoint ep)
            return ep.Address.IsIPv4MappedToIPv6 ? ep.Address.MapToIPv4() : ep.Address;
        return IPAddress.None;
    }

    public static MailboxAccount? Account(this ISessionContext context) =>
        context.Properties.TryGetValue(AccountKey, out var value) ? value as MailboxAccount : null;

    public static void SetAccount(this ISessionContext context, MailboxAccount account) => context.Properties[AccountKey] = account;

    /// <summary>Submission comes from the authenticated mailbox's tenant; everything on the MX port from the Internet.</summary>
    public static Directory.DeliveryOrigin Origin(this ISessionContext context, SmtpListenerKind kind) =>
        kind == SmtpListenerKind.Submission && context.Account() is { } account
            ? Directory.DeliveryOrigin.Mailbox(account.Id)
            : Directory.DeliveryOrigin.Internet;

    public static string Helo(this ISessionContext context) =>
        context.Properties.TryGetValue(HeloKey, out var value) && value is string s ? s : "unknown";

    public static void SetHelo(this ISessionContext context, string helo) => context.Properties[HeloKey] = helo;

    public static int RecipientCount(this ISessionContext context) =>
        context.Properties.TryGetValue(RecipientCountKey, out var value) && value is int n ? n : 0;

    public static void SetRecipientCount(this ISessionContext context, int count) => context.Properties[RecipientCountKey] = count;
}
