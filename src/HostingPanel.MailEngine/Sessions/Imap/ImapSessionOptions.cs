using HostingPanel.MailEngine.Protocol.Imap;

namespace HostingPanel.MailEngine.Sessions.Imap;

public sealed record ImapSessionOptions
{
    public string Hostname { get; init; } = "localhost";

    public ImapLimits Limits { get; init; } = ImapLimits.Default;

    /// <summary>LOGIN and AUTHENTICATE PLAIN without TLS (only sensible on loopback; docs/contract.md, Mail:AllowPlaintextAuth).</summary>
    public bool AllowPlaintextAuth { get; init; }

    /// <summary>STARTTLS is offered (a certificate is configured and the connection is not TLS yet).</summary>
    public bool StartTlsAvailable { get; init; }

    /// <summary>Bad commands in a row before the session says BYE.</summary>
    public int MaxBadCommands { get; init; } = 20;

    /// <summary>How long IDLE may last before the server ends it (RFC 2177 asks clients to re-issue within 29 minutes).</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>
    /// Autologout of an authenticated session that sends nothing for this long between commands. RFC 9051
    /// section 5.4 requires at least 30 minutes; shorter values are for tests. IDLE has its own <see cref="IdleTimeout"/>.
    /// </summary>
    public TimeSpan AutologoutTimeout { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>Autologout before authentication: shorter, so idle unauthenticated connections cost little (RFC 9051 5.4 allows it).</summary>
    public TimeSpan UnauthenticatedTimeout { get; init; } = TimeSpan.FromMinutes(1);

    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>Where a command that failed inside the server is written down (the client only sees NO [SERVERBUG]).</summary>
    public Microsoft.Extensions.Logging.ILogger? Log { get; init; }
}
