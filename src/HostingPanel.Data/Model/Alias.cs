namespace HostingPanel.Data.Model;

/// <summary>An alias address of a domain delivering to one or more destinations; local part "*" is the catch-all.</summary>
public class Alias
{
    private Alias() { LocalPart = ""; }

    public Alias(Guid domainId, string localPart, IEnumerable<EmailAddress> destinations)
    {
        DomainId = domainId;
        LocalPart = localPart;
        CreatedAt = DateTimeOffset.UtcNow;
        ReplaceDestinations(destinations);
    }

    public Guid Id { get; private set; } = Guid.NewGuid();
    public Guid DomainId { get; private set; }
    public Domain? Domain { get; private set; }
    /// <summary>A dot-atom local part, or <see cref="Model.LocalPart.CatchAll"/>.</summary>
    public string LocalPart { get; private set; }
    public List<AliasDestination> Destinations { get; private set; } = [];
    public EntityStatus Status { get; private set; } = EntityStatus.Pending;
    public string? StatusDetail { get; private set; }
    public DateTimeOffset CreatedAt { get; private set; }

    public bool IsCatchAll => LocalPart == Model.LocalPart.CatchAll;

    /// <summary>Replaces the destinations; duplicates collapse to one row.</summary>
    public void ReplaceDestinations(IEnumerable<EmailAddress> destinations)
    {
        Destinations.Clear();
        foreach (var address in destinations.Select(d => d.Value).Distinct(StringComparer.Ordinal))
            Destinations.Add(new AliasDestination(address));
        if (Destinations.Count == 0) throw new InvalidOperationException("An alias needs at least one destination.");
    }

    public void SetStatus(EntityStatus status, string? detail) { Status = status; StatusDetail = detail; }
    public void MarkPending() => SetStatus(EntityStatus.Pending, null);
}

/// <summary>One destination of an alias: a row, never a comma-separated list (docs/conventions.md 13).</summary>
public class AliasDestination
{
    private AliasDestination() { Address = ""; }
    public AliasDestination(string address) => Address = address;
    public Guid Id { get; private set; } = Guid.NewGuid();
    public Guid AliasId { get; private set; }
    public string Address { get; private set; }
}
