using System.Collections.Concurrent;
using System.Net;
using HostingPanel.MailEngine.Hosting;

namespace HostingPanel.MailEngine.Listeners;

/// <summary>The end points the mail listeners actually bound (useful when a port was chosen by the OS).</summary>
public interface IMailListenerRegistry
{
    IReadOnlyDictionary<string, IPEndPoint> EndPoints { get; }

    /// <summary>The bound port of a listener ("pop3", "pop3s", ...), or null when it is disabled.</summary>
    int? GetPort(string name);
}

public sealed class MailListenerRegistry(MailMetrics? metrics = null) : IMailListenerRegistry
{
    private readonly ConcurrentDictionary<string, IPEndPoint> _endPoints = new(StringComparer.OrdinalIgnoreCase);
    public IReadOnlyDictionary<string, IPEndPoint> EndPoints => _endPoints;
    public int? GetPort(string name) => _endPoints.TryGetValue(name, out var ep) ? ep.Port : null;
    internal void Register(string name, IPEndPoint endPoint) => _endPoints[name] = endPoint;
    internal void Unregister(string name) => _endPoints.TryRemove(name, out _);

    /// <summary>Counts a connection a listener admitted (metrics).</summary>
    internal void Accepted(string name) => metrics?.ConnectionAccepted(name);
}
