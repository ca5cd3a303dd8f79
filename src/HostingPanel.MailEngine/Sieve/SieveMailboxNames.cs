using HostingPanel.MailEngine.Protocol.Imap;
using HostingPanel.MailEngine.Storage;

namespace HostingPanel.MailEngine.Sieve;

/// <summary>
/// Folder names in scripts are UTF-8 with '/' as separator (RFC 5228 section 4.1, RFC 5490); the
/// store keeps IMAP's modified UTF-7 names.
/// </summary>
internal static class SieveMailboxNames
{
    public static bool IsValid(string name) =>
        name.Length is > 0 and <= 512 && !name.StartsWith(MailStore.HierarchySeparator) && !name.EndsWith(MailStore.HierarchySeparator)
        && !name.Contains("//", StringComparison.Ordinal) && !name.Any(char.IsControl);

    /// <summary>The store's name for a script's folder name ("inbox" in any case is INBOX).</summary>
    public static string ToStoreName(string name) =>
        name.Equals(MailStore.Inbox, StringComparison.OrdinalIgnoreCase) ? MailStore.Inbox : ImapModifiedUtf7.Encode(name);
}
