using System.Net;
using System.Net.Sockets;
using HostingPanel.MailEngine.Auth;
using HostingPanel.MailEngine.Hosting;
using HostingPanel.MailEngine.Maintenance;
using HostingPanel.MailEngine.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace HostingPanel.MailEngine.Sessions.Pop3;

/// <summary>The POP3 listeners: Mail:Pop3:Port (STLS) and Mail:Pop3s:Port (implicit TLS).</summary>
public sealed class Pop3Server : IHostedService
{
    private readonly List<MailListener> _listeners = [];
    private readonly MailEngineOptions _options;
    private readonly MailListenerRegistry _registry;
    private readonly ILogger<Pop3Server> _logger;
    private readonly Pop3Services _services;

    public Pop3Server(IOptions<MailEngineOptions> options, MailListenerRegistry registry, MailAuthenticator authenticator, MailStore store,
        Pop3MaildropLocks locks, Pop3Retention retention, MailTlsCertificate tls, ILogger<Pop3Server> logger)
    {
        _options = options.Value;
        _registry = registry;
        _logger = logger;
        _services = new Pop3Services(authenticator, store, locks, retention, tls, _options, logger);
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        Add("pop3", _options.Pop3.Port, implicitTls: false);
        Add("pop3s", _options.Pop3s.Port, implicitTls: true);
        return Task.CompletedTask;
    }

    private void Add(string name, int port, bool implicitTls)
    {
        if (port == 0)
            return;
        // Note: a negative port asks the OS for a free one (tests); the registry tells which.
        var endPoint = new IPEndPoint(IPAddress.Parse(_options.BindAddress), Math.Max(port, 0));
        var listener = new MailListener(name, endPoint,
            (socket, ct) => new Pop3Session(socket, implicitTls, _services, ct).RunAsync(), _registry, _logger);
        listener.Start();
        _listeners.Add(listener);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await Task.WhenAll(_listeners.Select(l => l.StopAsync()));
        _listeners.Clear();
    }
}
