using HostingPanel.Application.Mailboxes;

namespace HostingPanel.Web.Features.Shared;

/// <summary>
/// The "how this mailbox is used" card (issue 19 item 4), shared by the owner's page and the staff/customer mailbox
/// page. <see cref="FixAction"/> is where the advice's one-click fix posts (<c>days</c>); null hides the button.
/// </summary>
public sealed record MailboxActivityPanel(MailboxActivityView View, string? FixAction, bool ForOwner)
{
    public static string ProtocolLabel(string protocol) => protocol switch
    {
        "imap" => "IMAP (mail programs)",
        "pop3" => "POP3 (mail programs that download)",
        "webmail" => "Webmail",
        "submission" => "Sending (SMTP submission)",
        "managesieve" => "Filters (ManageSieve)",
        _ => protocol,
    };
}
