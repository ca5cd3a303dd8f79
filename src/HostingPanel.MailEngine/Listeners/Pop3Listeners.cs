using HostingPanel.MailEngine.Auth;
using HostingPanel.MailEngine.Hosting;
using HostingPanel.MailEngine.Maintenance;
using HostingPanel.MailEngine.Sessions.Pop3;
using HostingPanel.MailEngine.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace HostingPanel.MailEngine.Listeners;

/// <summary>The POP3 listeners: Mail:Pop3:Port (STLS) and Mail:Pop3s:Port (implicit TLS).</summary>
public sealed class Pop3Listeners : IHostedService
{
    private readonly List<MailListener> _listeners = [];
    private readonly MailEngineOptions _options;
    private readonly MailListenerFactory _factory;
    private readonly Pop3Services _services;

    public Pop3Listeners(IOptions<MailEngineOptions> options, MailListenerFactory factory, MailAuthenticator authenticator, MailStore store,
        Pop3MaildropLocks locks, Pop3Retention retention, MailTlsCertificate tls, ILogger<Pop3Listeners> logger)
    {
        _options = options.Value;
        _factory = factory;
        _services = new Pop3Services(authenticator, store, locks, retention, tls, _options, logger);
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        Add("pop3", _options.Pop3, implicitTls: false);
        Add("pop3s", _options.Pop3s, implicitTls: true);
        return Task.CompletedTask;
    }

    private void Add(string name, ListenerOptions listener, bool implicitTls)
    {
        if (_factory.Start(name, listener, implicitTls, ListenerRefusals.Pop3,
                (connection, ct) => new Pop3Connection(connection, implicitTls, _services, ct).RunAsync()) is { } started)
            _listeners.Add(started);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await Task.WhenAll(_listeners.Select(l => l.StopAsync()));
        _listeners.Clear();
    }
}
