using HostingPanel.MailEngine.Auth;
using HostingPanel.MailEngine.Hosting;
using HostingPanel.MailEngine.Sessions.ManageSieve;
using HostingPanel.MailEngine.Sieve;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace HostingPanel.MailEngine.Listeners;

/// <summary>The ManageSieve listener (RFC 5804) on Mail:ManageSieve:Port (4190; 0 disables), STARTTLS.</summary>
public sealed class ManageSieveListeners : IHostedService
{
    private readonly MailEngineOptions _options;
    private readonly MailListenerFactory _factory;
    private readonly ManageSieveServices _services;
    private MailListener? _listener;

    public ManageSieveListeners(IOptions<MailEngineOptions> options, MailListenerFactory factory, MailAuthenticator authenticator,
        SieveScriptStore scripts, MailTlsCertificate tls, ILogger<ManageSieveListeners> logger, Storage.MailboxChangeNotifier changes)
    {
        _options = options.Value;
        _factory = factory;
        _services = new ManageSieveServices(authenticator, scripts, tls, _options, logger, changes);
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        // The engine's one accept loop: Mail:Limits per address and in total, exclusive port.
        _listener = _factory.Start("managesieve", _options.ManageSieve, implicitTls: false, ListenerRefusals.ManageSieve,
            (connection, ct) => new ManageSieveSession(connection, _services, ct).RunAsync());
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_listener is not null)
            await _listener.StopAsync();
        _listener = null;
    }
}
