namespace HostingPanel.MailEngine.Sieve;

/// <summary><c>Mail:Sieve:*</c>: script quotas (ManageSieve HAVESPACE/PUTSCRIPT, RFC 5804 section 2.3) and vacation periods.</summary>
public sealed class SieveOptions
{
    public const string SectionName = "Mail:Sieve";

    public int MaxScripts { get; set; } = 20;

    /// <summary>Bytes of one script (UTF-8).</summary>
    public int MaxScriptSize { get; set; } = 64 * 1024;

    /// <summary>Bytes of all of a mailbox's scripts together.</summary>
    public int MaxStorage { get; set; } = 256 * 1024;

    /// <summary>
    /// The site's scripts for <c>include :global</c> (RFC 6609 section 3.1): <c>name.sieve</c> files in this directory,
    /// which the administrator keeps the same on every mail node. Unset: no global scripts (a :global include is then
    /// missing: a runtime error that keeps the mail, or nothing with :optional).
    /// </summary>
    public string? GlobalDirectory { get; set; }

    /// <summary>Vacation periods are clamped into [min, max]; the default is used without :days (Pigeonhole: 1d, 7d, 60d).</summary>
    public TimeSpan VacationMinPeriod { get; set; } = TimeSpan.FromDays(1);
    public TimeSpan VacationDefaultPeriod { get; set; } = TimeSpan.FromDays(7);
    public TimeSpan VacationMaxPeriod { get; set; } = TimeSpan.FromDays(60);
}
