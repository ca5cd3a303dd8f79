using HostingPanel.MailEngine.Storage;

namespace HostingPanel.MailEngine.Sieve;

/// <summary>Per-run limits (Pigeonhole's sieve_max_actions, sieve_max_redirects; a CPU bound in steps instead of seconds).</summary>
public sealed record SieveLimits
{
    /// <summary>Commands, tests and comparisons one run may make (a comparison over a long value counts more).</summary>
    public long MaxSteps { get; init; } = 200_000;
    public int MaxActions { get; init; } = 32;
    public int MaxRedirects { get; init; } = 4;
    public int MaxVariables { get; init; } = 255;
    public int MaxVariableLength { get; init; } = 4000;

    /// <summary>addheader and deleteheader commands one run may carry out (each copies the header, RFC 5293).</summary>
    public int MaxHeaderEdits { get; init; } = 64;

    /// <summary>Includes nested in each other (Pigeonhole's sieve_include_max_nesting_depth).</summary>
    public int MaxIncludeDepth { get; init; } = 10;

    /// <summary>Include commands one run may carry out (Pigeonhole's sieve_include_max_includes).</summary>
    public int MaxIncludes { get; init; } = 255;

    /// <summary>Distinct notifications one run may send (each to at most <see cref="SieveMailto.MaxRecipients"/> addresses).</summary>
    public int MaxNotifications { get; init; } = 4;

    public static readonly SieveLimits Default = new();
}

/// <summary>Store a copy in <see cref="Folder"/> (store name) with these flags.</summary>
/// <param name="Headers">The header as editheader left it when the action ran (RFC 5293); null: the message as it came.</param>
public sealed record SieveFolderAction(string Folder, MessageFlags Flags, IReadOnlyList<string> Keywords, bool Create, MimeKit.HeaderList? Headers = null);

/// <param name="Seconds">The reply period asked for (null: the default), not yet clamped.</param>
/// <param name="Handle">:handle, or one derived from the other arguments (RFC 5230 section 4.2).</param>
public sealed record SieveVacationAction(long? Seconds, string? Subject, string? From, IReadOnlyList<string> Addresses, bool Mime, string Handle, string Reason);

/// <summary>An enotify notification (RFC 5435) by the mailto method (RFC 5436), ready to send.</summary>
/// <param name="From">:from as the script gave it (checked against the user's own addresses before sending).</param>
/// <param name="Importance">"1" high, "2" normal, "3" low (RFC 5435 section 3.4).</param>
public sealed record SieveNotifyAction(SieveMailto Mailto, string? From, string Importance, string? Message);

/// <summary>A script that include can run: compiled, or the error that keeps it from compiling.</summary>
public sealed record SieveIncludedScript(SieveScript? Script, string? Error);

/// <summary>What a run decided. After a runtime error: only the implicit keep, and <see cref="Error"/> says why.</summary>
public sealed class SieveResult
{
    public List<SieveFolderAction> Folders { get; } = [];
    public List<string> Redirects { get; } = [];

    /// <summary>Pairs with <see cref="Redirects"/>: the edited header each redirect sends (null: the message as it came).</summary>
    public List<MimeKit.HeaderList?> RedirectHeaders { get; } = [];
    public SieveVacationAction? Vacation { get; set; }
    public List<SieveNotifyAction> Notifications { get; } = [];
    public string? Reject { get; set; }
    public bool ExtendedReject { get; set; }
    public string? Error { get; set; }
    public long Steps { get; set; }

    /// <summary>The implicit keep alone, as when no script ran.</summary>
    public bool IsPlainKeep => Folders is [{ Folder: MailStore.Inbox, Flags: MessageFlags.None, Keywords.Count: 0, Headers: null }]
        && Redirects.Count == 0 && Vacation is null && Reject is null && Notifications.Count == 0;

    internal static SieveResult KeepAfterError(string error, long steps)
    {
        var result = new SieveResult { Error = error, Steps = steps };
        result.Folders.Add(new SieveFolderAction(MailStore.Inbox, MessageFlags.None, [], false));
        return result;
    }
}

/// <summary>What the interpreter may ask the store (only when a script uses mailboxexists).</summary>
public sealed class SieveEnvironment
{
    public Func<string, bool>? MailboxExists { get; init; }

    /// <summary>
    /// The scripts include may run (RFC 6609), by location and name; null when none exists. Delivery loads every name the
    /// scripts of the run mention before it starts, so the interpreter stays free of I/O.
    /// </summary>
    public Func<SieveIncludeLocation, string, SieveIncludedScript?>? Include { get; init; }

    /// <summary>The name of the script being run (the active one), so that a script including itself is caught at once.</summary>
    public string? ScriptName { get; init; }

    /// <summary>The delivery time for currentdate (RFC 5260); null: the clock now.</summary>
    public DateTimeOffset? Now { get; init; }
}
