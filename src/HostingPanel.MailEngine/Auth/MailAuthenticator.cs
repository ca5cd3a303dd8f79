using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using HostingPanel.MailEngine.Directory;
using HostingPanel.MailEngine.Hosting;
using HostingPanel.MailEngine.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace HostingPanel.MailEngine.Auth;

public enum MailProtocol
{
    Imap,
    Pop3,
    Smtp,
    ManageSieve,
    /// <summary>
    /// IMAP from the portal's webmail (it proved so with <see cref="WebmailTicket"/>): allowed for an active mailbox
    /// even with IMAP switched off for mail programs, since webmail is promised to POP3-only mailboxes too.
    /// </summary>
    Webmail,
}

public enum AuthFailure
{
    None,
    /// <summary>Unknown user or wrong password (indistinguishable to the client).</summary>
    InvalidCredentials,
    /// <summary>Too many recent failures for this address or IP.</summary>
    Throttled,
    /// <summary>Correct password, but the mailbox is suspended or removed.</summary>
    Disabled,
    /// <summary>Correct password, but this protocol is switched off for the mailbox.</summary>
    ProtocolDisabled,
}

public sealed record AuthResult(AuthFailure Failure, MailboxAccount? Account)
{
    public bool Succeeded => Failure == AuthFailure.None;
}

/// <summary>
/// The one login check for POP3, IMAP and SMTP AUTH. Unknown users cost a real verification too, so
/// the answer time does not reveal which addresses exist; successful verifications are remembered
/// for a short time (as Dovecot's auth cache) so the deliberately slow hash does not bound logins
/// per second; failures are throttled per address and IP and answered after a delay.
/// </summary>
public sealed class MailAuthenticator
{
    private readonly MailDirectory _directory;
    private readonly LoginThrottle _throttle;
    private readonly MailAuthOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<MailAuthenticator> _logger;
    private readonly ConcurrentDictionary<string, CacheEntry> _cache = new(StringComparer.Ordinal);
    // Key of the cache's HMAC: the cache never holds anything a stolen memory image could brute-force cheaply.
    private readonly byte[] _cacheKey = RandomNumberGenerator.GetBytes(32);
    // Each {ARGON2ID} verification takes 64 MiB: they run in the process's one fair pool of hash checks.
    private readonly PasswordCheckPool _pool;
    // Unknown users are checked against this (its password is a forgotten random string): the same
    // scheme and parameters as a real {ARGON2ID} mailbox, so the same cost.
    private const string DummyHash = "{ARGON2ID}$argon2id$v=19$m=65536,t=3,p=1$aWL6CcW4h/x4YxZtLMLoXw$BKfn0xoqlZHdiUBhA9mUK5IfyzCnzWHo6XtHWKrmLrI";

    public MailAuthenticator(MailDirectory directory, LoginThrottle throttle, IOptions<MailEngineOptions> options, TimeProvider time, ILogger<MailAuthenticator> logger,
        PasswordCheckPool pool, Hosting.MailMetrics? metrics = null, LoginActivity? activity = null)
    {
        _pool = pool;
        _activity = activity;
        _metrics = metrics;
        _directory = directory;
        _throttle = throttle;
        _options = options.Value.Auth;
        _time = time;
        _logger = logger;
    }

    private readonly Hosting.MailMetrics? _metrics;
    private readonly LoginActivity? _activity;

    public async Task<AuthResult> AuthenticateAsync(string user, string password, IPAddress? remote, MailProtocol protocol, CancellationToken ct = default)
    {
        var result = await AuthenticateCoreAsync(user, password, remote, protocol, ct);
        _metrics?.Login(protocol, result.Failure);
        return result;
    }

    private async Task<AuthResult> AuthenticateCoreAsync(string user, string password, IPAddress? remote, MailProtocol protocol, CancellationToken ct)
    {
        var address = MailDirectory.NormalizeAddress(user) ?? user.ToLowerInvariant();
        if (_throttle.IsThrottled(address, remote))
        {
            _logger.LogWarning("{Protocol} login throttled for {Address} from {Remote}", protocol, Protocol.Smtp.SmtpText.Escape(address), remote);
            await DelayAsync(ct);
            return new AuthResult(AuthFailure.Throttled, null);
        }

        var account = await _directory.FindMailboxAsync(address, ct);
        var cacheKey = CacheKey(address, password);
        bool verified;
        if (account is not null && _cache.TryGetValue(cacheKey, out var cached) && cached.ExpiresAt > _time.GetUtcNow()
            && cached.PasswordHash == account.PasswordHash)
        {
            verified = true;
        }
        else
        {
            // Unknown users verify against a dummy hash of the default scheme: same cost, same time.
            // Fair between tenants: the engine's tenant boundary is the domain; logins that match nobody share one turn.
            var tenant = account is null ? UnknownTenant : "domain:" + address[(address.LastIndexOf('@') + 1)..];
            verified = await VerifyAsync(password, account?.PasswordHash ?? DummyHash, tenant, ct) && account is not null;
            // An imported hash of a cheaper scheme ({SHA512-CRYPT}: milliseconds) would answer a wrong
            // password faster than an unknown user's dummy {ARGON2ID}: pay the dummy too, on failures only.
            if (!verified && account is not null && DovecotPassword.SchemeOf(account.PasswordHash) != DovecotPassword.Argon2IdScheme)
                await VerifyAsync(password, DummyHash, tenant, ct);
        }

        if (!verified)
        {
            _throttle.RecordFailure(address, remote);
            _logger.LogInformation("{Protocol} login failed for {Address} from {Remote}", protocol, Protocol.Smtp.SmtpText.Escape(address), remote);
            await DelayAsync(ct);
            return new AuthResult(AuthFailure.InvalidCredentials, null);
        }

        _throttle.RecordSuccess(address, remote);
        if (_cache.Count > 100_000)
            _cache.Clear();
        _cache[cacheKey] = new CacheEntry(account!.PasswordHash, _time.GetUtcNow() + _options.CacheTtl);

        if (!account.Active)
            return new AuthResult(AuthFailure.Disabled, account);
        var allowed = protocol switch
        {
            MailProtocol.Imap => account.ImapEnabled,
            MailProtocol.Pop3 => account.Pop3Enabled,
            _ => true,
        };
        if (!allowed)
            return new AuthResult(AuthFailure.ProtocolDisabled, account);
        _activity?.Record(account.Id, protocol);
        return new AuthResult(AuthFailure.None, account);
    }

    private long _verifications;

    /// <summary>How many password hashes were computed (tests check the cache and the dummy verification with it).</summary>
    internal long Verifications => Interlocked.Read(ref _verifications);

    internal const string DummyHashForTests = DummyHash;

    /// <summary>The pool key of checks for logins that match no mailbox (and of the portal's unknown logins).</summary>
    public const string UnknownTenant = "unknown";

    private Task<bool> VerifyAsync(string password, string hash, string tenant, CancellationToken ct)
    {
        Interlocked.Increment(ref _verifications);
        return _pool.RunOnThreadPoolAsync(tenant, () => DovecotPassword.Verify(password, hash), ct);
    }

    private Task DelayAsync(CancellationToken ct) =>
        _options.FailureDelay > TimeSpan.Zero ? Task.Delay(_options.FailureDelay, _time, ct) : Task.CompletedTask;

    private string CacheKey(string address, string password) =>
        address + "\0" + Convert.ToBase64String(HMACSHA256.HashData(_cacheKey, Encoding.UTF8.GetBytes(address + "\0" + password)));

    private sealed record CacheEntry(string PasswordHash, DateTimeOffset ExpiresAt);
}
