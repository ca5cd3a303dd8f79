using System.Net;
using HostingPanel.MailEngine.Auth;
using HostingPanel.MailEngine.Hosting;
using HostingPanel.MailEngine.Sieve;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace HostingPanel.MailEngine.Sessions.ManageSieve;

/// <summary>Everything a ManageSieve session needs, shared by all sessions.</summary>
internal sealed record ManageSieveServices(
    MailAuthenticator Authenticator,
    SieveScriptStore Scripts,
    MailTlsCertificate Tls,
    MailEngineOptions Options,
    ILogger Logger);

/// <summary>The ManageSieve listener (RFC 5804) on Mail:ManageSieve:Port (4190; 0 disables), STARTTLS.</summary>
public sealed class ManageSieveServer : IHostedService
{
    private readonly MailEngineOptions _options;
    private readonly MailListenerRegistry _registry;
    private readonly ILogger<ManageSieveServer> _logger;
    private readonly ManageSieveServices _services;
    private MailListener? _listener;

    public ManageSieveServer(IOptions<MailEngineOptions> options, MailListenerRegistry registry, MailAuthenticator authenticator,
        SieveScriptStore scripts, MailTlsCertificate tls, ILogger<ManageSieveServer> logger)
    {
        _options = options.Value;
        _registry = registry;
        _logger = logger;
        _services = new ManageSieveServices(authenticator, scripts, tls, _options, logger);
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var port = _options.ManageSieve.Port;
        if (port == 0)
            return Task.CompletedTask;
        // Note: a negative port asks the OS for a free one (tests); the registry tells which.
        var endPoint = new IPEndPoint(IPAddress.Parse(_options.BindAddress), Math.Max(port, 0));
        _listener = new MailListener("managesieve", endPoint,
            (socket, ct) => new ManageSieveSession(socket, _services, ct).RunAsync(), _registry, _logger);
        _listener.Start();
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_listener is not null)
            await _listener.StopAsync();
        _listener = null;
    }
}
