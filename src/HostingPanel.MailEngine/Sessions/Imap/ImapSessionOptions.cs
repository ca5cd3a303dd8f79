using HostingPanel.MailEngine.Protocol.Imap;

namespace HostingPanel.MailEngine.Sessions.Imap;

public sealed record ImapSessionOptions
{
    public string Hostname { get; init; } = "localhost";

    public ImapLimits Limits { get; init; } = ImapLimits.Default;

    /// <summary>LOGIN and AUTHENTICATE PLAIN without TLS (only sensible on loopback; CONTRACT.md Mail:AllowPlaintextAuth).</summary>
    public bool AllowPlaintextAuth { get; init; }

    /// <summary>STARTTLS is offered (a certificate is configured and the connection is not TLS yet).</summary>
    public bool StartTlsAvailable { get; init; }

    /// <summary>Bad commands in a row before the session says BYE.</summary>
    public int MaxBadCommands { get; init; } = 20;

    /// <summary>How long IDLE may last before the server ends it (RFC 2177 asks clients to re-issue within 29 minutes).</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromMinutes(30);

    public TimeProvider Time { get; init; } = TimeProvider.System;
}
