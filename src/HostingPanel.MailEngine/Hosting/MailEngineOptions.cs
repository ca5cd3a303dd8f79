using HostingPanel.MailEngine.Listeners;

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

public sealed class ImapOptions
{
    /// <summary>Autologout of an authenticated session silent between commands (RFC 9051 5.4: at least 30 minutes).</summary>
    public TimeSpan AutologoutTimeout { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>Longest IDLE before the server ends it with BYE (RFC 2177: clients re-issue IDLE within 29 minutes).</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(30);
}

public sealed class ListenerOptions
{
    /// <summary>0 disables the listener.</summary>
    public int Port { get; set; }

    /// <summary><c>Mail:{Listener}:Limits:PerAddress</c> / <c>:Total</c>: this listener's own connection limits.</summary>
    public ListenerLimitOverrides Limits { get; set; } = new();
}

public sealed class TlsOptions
{
    public string? CertificatePath { get; set; }
    public string? KeyPath { get; set; }
}

public sealed class MailAuthOptions
{
    /// <summary>How long a successful verification is remembered (Dovecot: auth_cache_ttl).</summary>
    public TimeSpan CacheTtl { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Delay before answering a failed login (Dovecot: auth_failure_delay).</summary>
    public TimeSpan FailureDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Failures per address from one client IP inside <see cref="ThrottleWindow"/> after which that client's logins to it are refused.</summary>
    public int MaxFailuresPerAddress { get; set; } = 10;

    /// <summary>Failures per client IP inside <see cref="ThrottleWindow"/> after which logins are refused.</summary>
    public int MaxFailuresPerIp { get; set; } = 30;

    public TimeSpan ThrottleWindow { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Password-hash checks that run at once in the whole process (0: the number of cores, at least 2); see PasswordCheckPool.</summary>
    public int HashSlots { get; set; }
}

public sealed class Pop3Options
{
    /// <summary>Longest accepted command line, CRLF included.</summary>
    public int MaxLineLength { get; set; } = 1000;

    /// <summary>Bad commands after which the session is closed.</summary>
    public int MaxBadCommands { get; set; } = 10;

    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(10);
}

/// <summary>The <c>Storage:*</c> and <c>Database:*</c> settings the engine reads.</summary>
public sealed class MailStorageOptions
{
    public string DataDirectory { get; set; } = "data";

    public DatabaseProvider Provider { get; set; } = DatabaseProvider.Sqlite;

    /// <summary>Resolved connection string of the engine database.</summary>
    public string ConnectionString { get; set; } = "";
}

public enum DatabaseProvider
{
    Sqlite,
    PostgreSql,
}
