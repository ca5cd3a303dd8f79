using HostingPanel.Data;
using HostingPanel.Data.Model;

namespace HostingPanel.Application.Common;

/// <summary>
/// Adds the audit entry and the provisioning outbox record of a change to the same DbContext, so they
/// commit in the same transaction as the change itself (transactional outbox).
/// </summary>
public sealed class ChangeRecorder(HostingPanelDbContext db, IActorAccessor actor)
{
    public void Record(string action, OutboxEntityType type, Guid id, string key, Guid? customerId, Guid? resellerId, string? detail = null, bool provision = true)
    {
        var a = actor.Actor;
        db.AuditEntries.Add(new AuditEntry(a.Name, action, type.ToString(), key, Sanitize(detail), a.RemoteAddress)
        {
            CustomerId = customerId,
            ResellerId = resellerId,
        });
        if (provision) db.Outbox.Add(new OutboxRecord(type, id, key));
    }

    /// <summary>Queues an entity for the worker without an audit entry of its own (it changed through its parent's, audited once).</summary>
    public void Provision(OutboxEntityType type, Guid id, string key) => db.Outbox.Add(new OutboxRecord(type, id, key));

    /// <summary>An audit entry with nothing to provision (API keys, users).</summary>
    public void Audit(string action, string entityType, string key, string? detail = null)
    {
        var a = actor.Actor;
        db.AuditEntries.Add(new AuditEntry(a.Name, action, entityType, key, Sanitize(detail), a.RemoteAddress)
        {
            CustomerId = a.CustomerId,
            ResellerId = a.ResellerId,
        });
    }

    // Audit text is shown in the portal and exported to logs: no control characters (CR/LF injection).
    private static string? Sanitize(string? text) =>
        text is null ? null : new string(text.Select(c => char.IsControl(c) ? ' ' : c).ToArray());
}
