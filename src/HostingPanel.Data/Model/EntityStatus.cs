namespace HostingPanel.Data.Model;

/// <summary>Where an entity stands between the panel (desired state) and the mail engine.</summary>
public enum EntityStatus
{
    /// <summary>Saved in the panel, not yet applied to the mail engine.</summary>
    Pending,
    Active,
    /// <summary>The worker could not apply it; StatusDetail says why.</summary>
    Failed,
    Suspended,
    /// <summary>Deleted; kept restorable for the grace period.</summary>
    Deleting,
}
