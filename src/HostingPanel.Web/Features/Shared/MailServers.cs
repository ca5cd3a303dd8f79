namespace HostingPanel.Web.Features.Shared;

/// <summary>
/// The mail servers as configured (Mail:Hostname, Mail:*:Port; 0 disables a listener), as mail programs
/// should use them: the owner's setup page, the DNS records to publish and client auto-configuration.
/// </summary>
public sealed record MailServers(string Hostname, int Imap, int Imaps, int Pop3, int Pop3s, int Submission, int Submissions)
{
    /// <summary>The MTA-STS policy served for hosted domains (<c>Mail:MtaSts:Mode</c>), and so the records shown for it.</summary>
    public Domains.MtaStsPublishing MtaSts { get; init; }

    public static MailServers From(IConfiguration c) => new(
        c["Mail:Hostname"] is { Length: > 0 } h ? h : "localhost",
        c.GetValue("Mail:Imap:Port", 1143), c.GetValue("Mail:Imaps:Port", 1993),
        c.GetValue("Mail:Pop3:Port", 1110), c.GetValue("Mail:Pop3s:Port", 1995),
        c.GetValue("Mail:Submission:Port", 1587), c.GetValue("Mail:Submissions:Port", 1465))
    {
        MtaSts = Domains.MtaStsPolicy.Read(c),
    };
}
