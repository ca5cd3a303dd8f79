using HostingPanel.MailEngine.Auth;
using HostingPanel.MailEngine.Listeners;
using HostingPanel.MailEngine.Sessions.Imap;
using HostingPanel.MailEngine.Sessions.Pop3;

namespace HostingPanel.MailEngine.Hosting;

/// <summary>The <c>Mail:*</c> section of docs/contract.md section 2.</summary>
public sealed class MailEngineOptions
{
    public const string SectionName = "Mail";

    public string Hostname { get; set; } = "localhost";
    public string BindAddress { get; set; } = "127.0.0.1";

    /// <summary>Allows USER/PASS and AUTH without TLS, but only from loopback clients.</summary>
    public bool AllowPlaintextAuth { get; set; }

    public ListenerOptions Imap { get; set; } = new() { Port = 1143 };
    public ListenerOptions Imaps { get; set; } = new() { Port = 1993 };
    public ListenerOptions Pop3 { get; set; } = new() { Port = 1110 };
    public ListenerOptions Pop3s { get; set; } = new() { Port = 1995 };
    public ListenerOptions Smtp { get; set; } = new() { Port = 2525 };
    public ListenerOptions Submission { get; set; } = new() { Port = 1587 };
    public ListenerOptions Submissions { get; set; } = new() { Port = 1465 };

    /// <summary>ManageSieve (RFC 5804) with STARTTLS.</summary>
    public ListenerOptions ManageSieve { get; set; } = new() { Port = 4190 };

    /// <summary><c>Mail:Limits:*</c>: connections per client address and in total, per listener; pre-authentication timeout.</summary>
    public MailConnectionLimits Limits { get; set; } = new();

    /// <summary><c>Mail:ProxyProtocol:*</c>: balancers whose PROXY protocol header the mail listeners believe.</summary>
    public ProxyProtocolOptions ProxyProtocol { get; set; } = new();

    public TlsOptions Tls { get; set; } = new();
    public MailAuthOptions Auth { get; set; } = new();
    public Pop3Options Pop3Limits { get; set; } = new();
    public ImapOptions ImapLimits { get; set; } = new();

    /// <summary>Every mail listener by its name (as in the listener registry) with its settings.</summary>
    public IEnumerable<(string Name, ListenerOptions Options)> Listeners() =>
    [
        ("imap", Imap), ("imaps", Imaps), ("pop3", Pop3), ("pop3s", Pop3s),
        ("smtp", Smtp), ("submission", Submission), ("submissions", Submissions), ("managesieve", ManageSieve),
    ];

    /// <summary>The connection limits of one listener: its own <c>Limits</c>, else <c>Mail:Limits</c>.</summary>
    public (int PerAddress, int Total) LimitsOf(ListenerOptions listener) =>
        (listener.Limits.PerAddress ?? Limits.PerAddress, listener.Limits.Total ?? Limits.Total);
}
