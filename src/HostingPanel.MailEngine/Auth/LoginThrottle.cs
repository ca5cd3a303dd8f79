using System.Collections.Concurrent;
using System.Net;
using HostingPanel.MailEngine.Hosting;
using Microsoft.Extensions.Options;

namespace HostingPanel.MailEngine.Auth;

/// <summary>
/// Failed logins per address and per client IP inside a sliding window, shared by POP3, IMAP, SMTP
/// (and the portal, which may inject it). Past the limit, logins are refused without verifying.
/// </summary>
public sealed class LoginThrottle(IOptions<MailEngineOptions> options, TimeProvider time)
{
    private readonly MailAuthOptions _options = options.Value.Auth;
    private readonly ConcurrentDictionary<string, Window> _byAddress = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<IPAddress, Window> _byIp = new();

    public bool IsThrottled(string address, IPAddress? ip)
    {
        var now = time.GetUtcNow();
        if (_byAddress.TryGetValue(address, out var a) && a.Count(now, _options.ThrottleWindow) >= _options.MaxFailuresPerAddress)
            return true;
        return ip is not null && _byIp.TryGetValue(Normalize(ip), out var w) && w.Count(now, _options.ThrottleWindow) >= _options.MaxFailuresPerIp;
    }

    public void RecordFailure(string address, IPAddress? ip)
    {
        var now = time.GetUtcNow();
        Prune(now);
        _byAddress.GetOrAdd(address, _ => new Window()).Add(now, _options.ThrottleWindow);
        if (ip is not null)
            _byIp.GetOrAdd(Normalize(ip), _ => new Window()).Add(now, _options.ThrottleWindow);
    }

    /// <summary>A correct password clears the address's failures (not the IP's: one good login must not unlock a scan).</summary>
    public void RecordSuccess(string address) => _byAddress.TryRemove(address, out _);

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
