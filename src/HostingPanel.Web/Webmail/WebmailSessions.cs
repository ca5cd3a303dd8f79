using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace HostingPanel.Web.Webmail;

/// <summary>The mailbox a webmail session acts for, with the password the IMAP and submission logins need.</summary>
public sealed record WebmailCredentials(string SessionId, Guid MailboxId, string Address, string Password);

/// <summary>
/// Server-side webmail sessions. The browser holds only a random session id; the mailbox password stays
/// in this process, encrypted under a key that exists only in memory (so a heap dump or swapped page
/// shows no plain password at rest), and is forgotten at sign-out or after the idle timeout.
/// </summary>
public sealed class WebmailSessions(IOptions<WebmailOptions> options, TimeProvider clock)
{
    private sealed record Entry(Guid MailboxId, string? PortalSessionId, string Address, byte[] Nonce, byte[] Cipher, byte[] Tag)
    {
        public long LastUsedTicks;
    }

    private readonly ConcurrentDictionary<string, Entry> _sessions = new(StringComparer.Ordinal);
    private readonly byte[] _key = RandomNumberGenerator.GetBytes(32);

    /// <param name="portalSessionId">
    /// The portal sign-in this webmail session belongs to: it ends with it (sign-out, a password change, "sign out the
    /// other sessions"), since <see cref="Find"/> asks for the same one.
    /// </param>
    public string Open(Guid mailboxId, string? portalSessionId, string address, string password)
    {
        Sweep();
        var id = Base64Url(RandomNumberGenerator.GetBytes(32));
        var plain = Encoding.UTF8.GetBytes(password);
        var nonce = RandomNumberGenerator.GetBytes(AesGcm.NonceByteSizes.MaxSize);
        var cipher = new byte[plain.Length];
        var tag = new byte[AesGcm.TagByteSizes.MaxSize];
        using (var aes = new AesGcm(_key, tag.Length)) aes.Encrypt(nonce, plain, cipher, tag, Encoding.UTF8.GetBytes(id));
        CryptographicOperations.ZeroMemory(plain);
        _sessions[id] = new Entry(mailboxId, portalSessionId, address, nonce, cipher, tag) { LastUsedTicks = clock.GetUtcNow().UtcTicks };
        return id;
    }

    /// <summary>The session's credentials, when it exists, is not expired and belongs to the signed-in mailbox and portal session.</summary>
    public WebmailCredentials? Find(string? sessionId, Guid? mailboxId, string? portalSessionId)
    {
        if (sessionId is null || mailboxId is null || !_sessions.TryGetValue(sessionId, out var entry)) return null;
        var now = clock.GetUtcNow().UtcTicks;
        if (entry.MailboxId != mailboxId || !string.Equals(entry.PortalSessionId, portalSessionId, StringComparison.Ordinal)) return null;
        if (now - Interlocked.Read(ref entry.LastUsedTicks) > options.Value.SessionIdleTimeout.Ticks)
        {
            _sessions.TryRemove(sessionId, out _);
            return null;
        }
        Interlocked.Exchange(ref entry.LastUsedTicks, now);
        var plain = new byte[entry.Cipher.Length];
        using (var aes = new AesGcm(_key, entry.Tag.Length)) aes.Decrypt(entry.Nonce, entry.Cipher, entry.Tag, plain, Encoding.UTF8.GetBytes(sessionId));
        var password = Encoding.UTF8.GetString(plain);
        CryptographicOperations.ZeroMemory(plain);
        return new WebmailCredentials(sessionId, entry.MailboxId, entry.Address, password);
    }

    /// <summary>Ends the session; returns the mailbox address when no other session of that mailbox remains.</summary>
    public string? Close(string sessionId)
    {
        if (!_sessions.TryRemove(sessionId, out var entry)) return null;
        return _sessions.Values.Any(e => e.MailboxId == entry.MailboxId) ? null : entry.Address;
    }

    /// <summary>Ends every webmail session of a mailbox (its password changed here); returns how many.</summary>
    public int CloseAllOf(Guid mailboxId)
    {
        var closed = 0;
        foreach (var (id, entry) in _sessions)
            if (entry.MailboxId == mailboxId && _sessions.TryRemove(id, out _)) closed++;
        return closed;
    }

    private void Sweep()
    {
        var limit = clock.GetUtcNow().UtcTicks - options.Value.SessionIdleTimeout.Ticks;
        foreach (var (id, entry) in _sessions)
            if (Interlocked.Read(ref entry.LastUsedTicks) < limit) _sessions.TryRemove(id, out _);
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
