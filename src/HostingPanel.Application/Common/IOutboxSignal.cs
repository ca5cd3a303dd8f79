namespace HostingPanel.Application.Common;

/// <summary>Wakes the provisioning worker at once after a change is committed (polling is the fallback).</summary>
public interface IOutboxSignal
{
    void Notify();
}

public sealed class NoOutboxSignal : IOutboxSignal
{
    public void Notify() { }
}

/// <summary>Hashes mailbox passwords in the mail engine's Dovecot-compatible scheme.</summary>
public interface IMailboxPasswordHasher
{
    string Hash(string password);
    bool Verify(string hash, string password);

    /// <summary>Whether an already hashed password (an import from another server) is one the engine verifies.</summary>
    bool IsImportableHash(string hash);

    /// <summary>Why an imported hash would cost too much to verify (the limit, in a sentence), or null.</summary>
    string? CostLimitExceeded(string hash);

    /// <summary>
    /// Checks a password against a stored hash in the process's shared, tenant-fair pool of hash checks
    /// (<paramref name="tenant"/>: whose turn it counts against).
    /// </summary>
    Task<bool> VerifyAsync(string hash, string password, string tenant, CancellationToken ct = default);
}
