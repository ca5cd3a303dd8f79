namespace HostingPanel.MailEngine.Protocol.Imap;

/// <summary>The system flags of RFC 9051 section 2.3.2, spelled the canonical way.</summary>
public static class ImapFlags
{
    public const string Answered = "\\Answered";
    public const string Flagged = "\\Flagged";
    public const string Deleted = "\\Deleted";
    public const string Seen = "\\Seen";
    public const string Draft = "\\Draft";
    public const string Recent = "\\Recent";

    private static readonly string[] System = [Answered, Flagged, Deleted, Seen, Draft, Recent];

    /// <summary>System flags are case-insensitive; keep one spelling so comparisons stay ordinal.</summary>
    public static string Normalize(string flag)
    {
        foreach (var known in System)
        {
            if (string.Equals(flag, known, StringComparison.OrdinalIgnoreCase))
            {
                return known;
            }
        }

        return flag;
    }

    public static bool IsSystemFlag(string flag) => flag.StartsWith('\\');
}
