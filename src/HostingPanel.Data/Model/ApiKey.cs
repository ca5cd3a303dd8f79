namespace HostingPanel.Data.Model;

/// <summary>An API key of one portal user. Only a SHA-256 hash of the secret is stored.</summary>
public class ApiKey
{
    private ApiKey() { Name = ""; UserId = ""; Prefix = ""; SecretHash = ""; }

    public ApiKey(string userId, string name, string prefix, string secretHash)
    {
        UserId = userId;
        Name = name;
        Prefix = prefix;
        SecretHash = secretHash;
        CreatedAt = DateTimeOffset.UtcNow;
    }

    public Guid Id { get; private set; } = Guid.NewGuid();
    public string UserId { get; private set; }
    public string Name { get; private set; }
    /// <summary>First characters of the key, shown in the portal so people can tell keys apart.</summary>
    public string Prefix { get; private set; }
    /// <summary>Lower-case hex SHA-256 of the whole key.</summary>
    public string SecretHash { get; private set; }
    public DateTimeOffset CreatedAt { get; private set; }
    public DateTimeOffset? LastUsedAt { get; private set; }
    public DateTimeOffset? RevokedAt { get; private set; }

    public bool IsActive => RevokedAt is null;
    public void Revoke(DateTimeOffset at) => RevokedAt ??= at;
    public void Touch(DateTimeOffset at) => LastUsedAt = at;
}
