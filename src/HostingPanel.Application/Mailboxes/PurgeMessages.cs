namespace HostingPanel.Application.Mailboxes;

/// <summary>What the panel says when an address is held by a deleted mailbox in its grace period (portal and API alike).</summary>
public static class PurgeMessages
{
    public static string DeletedInGrace(string address, DateTimeOffset? deletedAt) =>
        $"{address} belongs to a mailbox deleted{(deletedAt is { } at ? $" on {at:yyyy-MM-dd}" : "")} whose mail is still kept for the grace period. "
        + "Staff can restore it; or create the mailbox again with \"delete the old mail now\" (API: purgeDeleted true), which deletes that mail for good.";

    public static bool IsDeletedInGrace(string message) => message.Contains("(API: purgeDeleted true)", StringComparison.Ordinal);
}
