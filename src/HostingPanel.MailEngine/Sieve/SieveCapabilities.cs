namespace HostingPanel.MailEngine.Sieve;

/// <summary>The extensions the interpreter implements: what "require" accepts and ManageSieve's SIEVE capability lists.</summary>
public static class SieveCapabilities
{
    public static readonly IReadOnlyList<string> All =
    [
        "fileinto",                     // RFC 5228 section 4.1
        "envelope",                     // RFC 5228 section 5.4
        "comparator-i;octet",           // RFC 5228 section 2.7.3 (always available)
        "comparator-i;ascii-casemap",
        "comparator-i;ascii-numeric",   // RFC 4790 section 9.1
        "copy",                         // RFC 3894
        "body",                         // RFC 5173
        "variables",                    // RFC 5229
        "vacation",                     // RFC 5230
        "vacation-seconds",             // RFC 6131
        "imap4flags",                   // RFC 5232
        "relational",                   // RFC 5231
        "reject",                       // RFC 5429
        "ereject",
        "mailbox",                      // RFC 5490 (fileinto :create, mailboxexists)
        "date",                         // RFC 5260 (currentdate only)
        "subaddress",                   // RFC 5233 (:user, :detail; separator "+")
        "editheader",                   // RFC 5293 (trace and authentication fields protected)
        "regex",                        // draft-ietf-sieve-regex-01 (Pigeonhole's), non-backtracking
        "include",                      // RFC 6609 (:personal, :global, :once, :optional, return, global)
        "enotify",                      // RFC 5435 with the mailto method of RFC 5436
    ];

    private static readonly HashSet<string> Known = new(All, StringComparer.Ordinal);

    /// <summary>Notification methods of enotify (RFC 5435 section 3.1): ManageSieve's NOTIFY capability (RFC 5804 section 1.7).</summary>
    public const string NotifyMethods = "mailto";

    public static bool IsSupported(string capability) => Known.Contains(capability);

    /// <summary>The ManageSieve SIEVE capability string (space separated).</summary>
    public static string ManageSieveList => string.Join(' ', All.Where(c => c is not "comparator-i;octet" and not "comparator-i;ascii-casemap"));
}
