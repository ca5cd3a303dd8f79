namespace HostingPanel.Data.Model;

/// <summary>Who did what to which entity, when and from where.</summary>
public class AuditEntry
{
    private AuditEntry() { Actor = ""; Action = ""; EntityType = ""; EntityKey = ""; }

    public AuditEntry(string actor, string action, string entityType, string entityKey, string? detail, string? remoteAddress)
    {
        Actor = actor;
        Action = action;
        EntityType = entityType;
        EntityKey = entityKey;
        Detail = detail;
        RemoteAddress = remoteAddress;
        At = DateTimeOffset.UtcNow;
    }

    public long Id { get; private set; }
    public DateTimeOffset At { get; private set; }
    public string Actor { get; private set; }
    public string Action { get; private set; }
    public string EntityType { get; private set; }
    public string EntityKey { get; private set; }
    public string? Detail { get; private set; }
    public string? RemoteAddress { get; private set; }
    /// <summary>Tenant the entry belongs to, so resellers and customers see only their own history.</summary>
    public Guid? CustomerId { get; set; }
    public Guid? ResellerId { get; set; }
}
