namespace HostingPanel.MailEngine.Auth;

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
