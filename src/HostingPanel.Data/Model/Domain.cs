namespace HostingPanel.Data.Model;

/// <summary>A hosted mail domain of one customer.</summary>
public class Domain
{
    private Domain() { Name = ""; }

    public Domain(Guid customerId, DomainName name)
    {
        CustomerId = customerId;
        Name = name.Value;
        CreatedAt = DateTimeOffset.UtcNow;
    }

    public Guid Id { get; private set; } = Guid.NewGuid();
    public Guid CustomerId { get; private set; }
    public Customer? Customer { get; private set; }
    /// <summary>A-label form, lower case (see <see cref="DomainName"/>).</summary>
    public string Name { get; private set; }
    public EntityStatus Status { get; private set; } = EntityStatus.Pending;
    public string? StatusDetail { get; private set; }
    public DateTimeOffset CreatedAt { get; private set; }
    public DateTimeOffset? DeletedAt { get; private set; }

    public void MarkPending() => SetStatus(EntityStatus.Pending, null);
    public void SetStatus(EntityStatus status, string? detail) { Status = status; StatusDetail = detail; }

    public void MarkDeleted(DateTimeOffset at) { DeletedAt = at; SetStatus(EntityStatus.Deleting, null); }
}
