using System.Security.Cryptography;
using System.Text;
using HostingPanel.MailEngine.Hosting;

namespace HostingPanel.MailEngine.Auth;

/// <summary>
/// How the portal's webmail tells the IMAP listener that it is webmail and not a mail program: before logging in it
/// sends <c>ID ("x-hostingpanel-webmail" "&lt;ticket&gt;")</c> (RFC 2971), where the ticket is an HMAC under a key file
/// of the data directory, <c>{DataDirectory}/webmail/ticket.key</c> (nodes sharing one database need the same file,
/// as for DKIM and SRS). The login still needs the mailbox's own password; the ticket only makes it count as webmail,
/// which an active mailbox may use with IMAP switched off (POP3-only mailboxes keep webmail, issue 19 item 5).
/// </summary>
public sealed class WebmailTicket
{
    public const string IdField = "x-hostingpanel-webmail";
    private readonly Lazy<byte[]> _ticket;

    public WebmailTicket(string dataDirectory)
    {
        var path = Path.Combine(Path.GetFullPath(dataDirectory), "webmail", "ticket.key");
        _ticket = new Lazy<byte[]>(() => HMACSHA256.HashData(SecretKeyFile.LoadOrCreate(path), "HostingPanel webmail IMAP v1"u8));
    }

    /// <summary>The value webmail sends.</summary>
    public string Value => Convert.ToBase64String(_ticket.Value);

    /// <summary>Compared in constant time; anything else (wrong, empty, too long) is simply not webmail.</summary>
    public bool Matches(string? presented)
    {
        if (presented is null || presented.Length > 100)
            return false;
        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(presented), Encoding.ASCII.GetBytes(Value));
    }
}
