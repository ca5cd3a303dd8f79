using System.Net;
using System.Net.Sockets;
using HostingPanel.MailEngine.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace HostingPanel.MailEngine.Listeners;

/// <summary>
/// Starts the engine's listeners, each with the connection limits of its settings
/// (<c>Mail:Limits</c>, overridden per listener), its protocol's refusal line and the trusted balancers
/// (<c>Mail:ProxyProtocol</c>). Every protocol's
/// hosted service (IMAP, POP3, SMTP, and any added later) starts its ports here.
/// </summary>
public sealed class MailListenerFactory(IOptions<MailEngineOptions> options, MailListenerRegistry registry, ILoggerFactory loggers)
{
    private readonly MailEngineOptions _options = options.Value;
    private readonly IReadOnlyList<IPNetwork> _exempt = options.Value.Limits.ParseExemptNetworks();
    private readonly ProxyProtocolPolicy? _proxy = ProxyProtocolPolicy.From(options.Value.ProxyProtocol, options.Value.Limits.PreAuthTimeout);

    /// <summary>Binds and starts a listener; null when its port is 0 (disabled).</summary>
    /// <param name="refusals">The protocol's refusal lines; ignored (no reply) on an implicit-TLS port.</param>
    /// <exception cref="SocketException">The port is in use (by this or another process) or not allowed.</exception>
    internal MailListener? Start(string name, ListenerOptions listener, bool implicitTls, ListenerRefusals refusals, Func<MailConnection, CancellationToken, Task> handler)
    {
        if (listener.Port == 0)
            return null;
        var (perAddress, total) = _options.LimitsOf(listener);
        // Note: a negative port asks the OS for a free one (tests); the registry tells which.
        var endPoint = new IPEndPoint(IPAddress.Parse(_options.BindAddress), Math.Max(listener.Port, 0));
        var started = new MailListener(name, endPoint, handler, registry, loggers.CreateLogger("HostingPanel.MailEngine.Listeners." + name),
            new ConnectionLimiter(perAddress, total, _exempt), implicitTls ? null : refusals, _proxy);
        started.Start();
        return started;
    }

    /// <summary>What the enabled listeners may hold at once, for <see cref="FileDescriptorBudget"/>.</summary>
    public static FileDescriptorDemand Demand(MailEngineOptions options) =>
        new("mail listeners", options.Listeners().Where(l => l.Options.Port != 0).Sum(l => (long)options.LimitsOf(l.Options).Total));
}
