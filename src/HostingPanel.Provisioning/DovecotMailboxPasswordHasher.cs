using HostingPanel.Application.Common;
using HostingPanel.MailEngine.Auth;

namespace HostingPanel.Provisioning;

/// <summary>Mailbox passwords are hashed the way the engine verifies them (Dovecot's {ARGON2ID}).</summary>
public sealed class DovecotMailboxPasswordHasher(PasswordCheckPool pool) : IMailboxPasswordHasher
{
    public string Hash(string password) => DovecotPassword.HashArgon2Id(password);
    public bool Verify(string hash, string password) => DovecotPassword.Verify(password, hash);
    public bool IsImportableHash(string hash) => DovecotHashFormat.IsImportable(hash);
    public string? CostLimitExceeded(string hash) => DovecotHashCost.Exceeded(hash);

    public Task<bool> VerifyAsync(string hash, string password, string tenant, CancellationToken ct = default) =>
        pool.RunOnThreadPoolAsync(tenant, () => DovecotPassword.Verify(password, hash), ct);
}
