using System.Collections.Concurrent;
using System.Net;
using HostingPanel.MailEngine.Hosting;
using Microsoft.Extensions.Options;

namespace HostingPanel.MailEngine.Auth;

/// <summary>
/// Failed logins per client IP and per (address, client IP) pair inside a sliding window, shared by POP3, IMAP,
/// SMTP and the portal. Past the limit, logins from that client are refused without verifying.
/// Note: never per address alone, as Dovecot's auth penalty: a count per address would let anyone lock an
/// account's owner out from everywhere by failing its logins on purpose. Guessing one account from one
/// client stops at <see cref="MailAuthOptions.MaxFailuresPerAddress"/>, a spray from one client at
/// <see cref="MailAuthOptions.MaxFailuresPerIp"/>.
/// </summary>
public sealed class LoginThrottle(IOptions<MailEngineOptions> options, TimeProvider time)
{
    private readonly MailAuthOptions _options = options.Value.Auth;
    private readonly ConcurrentDictionary<string, Window> _byAddress = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<IPAddress, Window> _byIp = new();

    public bool IsThrottled(string address, IPAddress? ip)
    {
        var now = time.GetUtcNow();
        if (_byAddress.TryGetValue(PairKey(address, ip), out var a) && a.Count(now, _options.ThrottleWindow) >= _options.MaxFailuresPerAddress)
            return true;
        return ip is not null && _byIp.TryGetValue(Normalize(ip), out var w) && w.Count(now, _options.ThrottleWindow) >= _options.MaxFailuresPerIp;
    }

    public void RecordFailure(string address, IPAddress? ip)
    {
        var now = time.GetUtcNow();
        Prune(now);
        _byAddress.GetOrAdd(PairKey(address, ip), _ => new Window()).Add(now, _options.ThrottleWindow);
        if (ip is not null)
            _byIp.GetOrAdd(Normalize(ip), _ => new Window()).Add(now, _options.ThrottleWindow);
    }

    /// <summary>A correct password clears the pair's failures (not the IP's: one good login must not unlock a scan).</summary>
    public void RecordSuccess(string address, IPAddress? ip) => _byAddress.TryRemove(PairKey(address, ip), out _);

    /// <summary>Forgets every failure of an address, from any client (an administrator unlocking an account).</summary>
    public void Clear(string address)
    {
        var prefix = address + "\n";
        foreach (var key in _byAddress.Keys)
            if (key.StartsWith(prefix, StringComparison.Ordinal))
                _byAddress.TryRemove(key, out _);
    }

    private static string PairKey(string address, IPAddress? ip) => address + "\n" + (ip is null ? "" : Normalize(ip).ToString());

    private static IPAddress Normalize(IPAddress ip) => ip.IsIPv4MappedToIPv6 ? ip.MapToIPv4() : ip;

    private void Prune(DateTimeOffset now)
    {
        // Bound memory under a spray of random addresses.
        if (_byAddress.Count > 100_000)
            foreach (var (key, w) in _byAddress)
                if (w.Count(now, _options.ThrottleWindow) == 0)
                    _byAddress.TryRemove(key, out _);
        if (_byIp.Count > 100_000)
            foreach (var (key, w) in _byIp)
                if (w.Count(now, _options.ThrottleWindow) == 0)
                    _byIp.TryRemove(key, out _);
    }

    private sealed class Window
    {
        private readonly Queue<DateTimeOffset> _failures = new();

        public void Add(DateTimeOffset now, TimeSpan window)
        {
            lock (_failures)
            {
                Trim(now, window);
                _failures.Enqueue(now);
            }
        }

        public int Count(DateTimeOffset now, TimeSpan window)
        {
            lock (_failures)
            {
                Trim(now, window);
                return _failures.Count;
            }
        }

        private void Trim(DateTimeOffset now, TimeSpan window)
        {
            while (_failures.Count > 0 && now - _failures.Peek() > window)
                _failures.Dequeue();
        }
    }
}
