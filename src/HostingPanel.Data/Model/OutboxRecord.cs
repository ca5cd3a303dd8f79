namespace HostingPanel.Data.Model;

public enum OutboxEntityType { Domain, Mailbox, Alias, Customer, Reseller }

/// <summary>
/// A provisioning record written in the same transaction as the change it describes. It names the
/// entity, not a delta: the worker reads the entity's current desired state and applies it, so a
/// replay does no harm (docs/conventions.md 14).
/// </summary>
public class OutboxRecord
{
    private OutboxRecord() { EntityKey = ""; }

    public OutboxRecord(OutboxEntityType entityType, Guid entityId, string entityKey)
    {
        EntityType = entityType;
        EntityId = entityId;
        EntityKey = entityKey;
        CreatedAt = NextAttemptAt = DateTimeOffset.UtcNow;
    }

    public long Id { get; private set; }
    public OutboxEntityType EntityType { get; private set; }
    public Guid EntityId { get; private set; }
    /// <summary>The entity's natural key (domain name or address), kept for deletes and for people reading the queue.</summary>
    public string EntityKey { get; private set; }
    public DateTimeOffset CreatedAt { get; private set; }
    public int Attempts { get; private set; }
    public DateTimeOffset NextAttemptAt { get; private set; }
    public DateTimeOffset? ProcessedAt { get; private set; }
    public string? LastError { get; private set; }

    public void Succeeded(DateTimeOffset at) { ProcessedAt = at; LastError = null; }

    public void Failed(string error, DateTimeOffset nextAttemptAt)
    {
        Attempts++;
        LastError = error.Length > 2000 ? error[..2000] : error;
        NextAttemptAt = nextAttemptAt;
    }
}
