namespace HostingPanel.Data.Model;

/// <summary>
/// A "forgot password" link sent by mail: only the SHA-256 of its secret is kept, so a copy of the database
/// cannot be used to reset anyone's password. It works once, before <see cref="ExpiresAt"/>.
/// </summary>
public class PasswordResetLink
{
    public const int HashLength = 64;

    private PasswordResetLink() { TokenHash = ""; UserId = ""; }

    public PasswordResetLink(string tokenHash, string userId, DateTimeOffset createdAt, TimeSpan lifetime)
    {
        Id = Guid.NewGuid();
        TokenHash = tokenHash;
        UserId = userId;
        CreatedAt = createdAt;
        ExpiresAt = createdAt + lifetime;
    }

    public Guid Id { get; private set; }
    public string TokenHash { get; private set; }
    public string UserId { get; private set; }
    public DateTimeOffset CreatedAt { get; private set; }
    public DateTimeOffset ExpiresAt { get; private set; }
    public DateTimeOffset? UsedAt { get; private set; }

    public bool IsUsable(DateTimeOffset now) => UsedAt is null && now < ExpiresAt;

    /// <summary>Spends the link; false when it was already spent or has run out.</summary>
    public bool TryUse(DateTimeOffset now)
    {
        if (!IsUsable(now)) return false;
        UsedAt = now;
        return true;
    }
}
