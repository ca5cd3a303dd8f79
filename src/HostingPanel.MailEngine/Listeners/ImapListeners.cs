using System.Net;
using System.Net.Sockets;
using HostingPanel.MailEngine.Hosting;
using HostingPanel.MailEngine.Sessions.Imap;
using HostingPanel.MailEngine.Sessions.Imap.StoreAdapters;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace HostingPanel.MailEngine.Listeners;

/// <summary>The IMAP listeners: Mail:Imap:Port (STARTTLS) and Mail:Imaps:Port (implicit TLS), named "imap" and "imaps".</summary>
public sealed class ImapListeners : IHostedService
{
    private readonly List<MailListener> _listeners = [];
    private readonly MailEngineOptions _options;
    private readonly MailListenerFactory _factory;
    private readonly ImapStoreAuthenticator _authenticator;
    private readonly MailTlsCertificate _tls;
    private readonly ILogger<ImapListeners> _logger;
    private readonly ImapSessionOptions _loopbackOptions;
    private readonly ImapSessionOptions _remoteOptions;

    public ImapListeners(IOptions<MailEngineOptions> options, MailListenerFactory factory, ImapStoreAuthenticator authenticator, MailTlsCertificate tls,
        ILogger<ImapListeners> logger)
    {
        _options = options.Value;
        _factory = factory;
        _authenticator = authenticator;
        _tls = tls;
        _logger = logger;
        // docs/contract.md section 5: plaintext LOGIN only over TLS, or from loopback when Mail:AllowPlaintextAuth is set.
        var limits = _options.ImapLimits;
        _remoteOptions = new ImapSessionOptions
        {
            Hostname = _options.Hostname,
            AllowPlaintextAuth = false,
            AutologoutTimeout = limits.AutologoutTimeout,
            UnauthenticatedTimeout = _options.Limits.PreAuthTimeout,
            IdleTimeout = limits.IdleTimeout,
            Log = logger,
        };
        _loopbackOptions = _remoteOptions with { AllowPlaintextAuth = _options.AllowPlaintextAuth };
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        Add("imap", _options.Imap, implicitTls: false);
        Add("imaps", _options.Imaps, implicitTls: true);
        return Task.CompletedTask;
    }

    private void Add(string name, ListenerOptions listener, bool implicitTls)
    {
        if (_factory.Start(name, listener, implicitTls, ListenerRefusals.Imap, (connection, ct) => RunAsync(connection, implicitTls, ct)) is { } started)
            _listeners.Add(started);
    }

    private async Task RunAsync(MailConnection connection, bool implicitTls, CancellationToken cancellationToken)
    {
        var remote = connection.RemoteEndPoint;
        var options = IPAddress.IsLoopback(remote.Address) ? _loopbackOptions : _remoteOptions;
        try
        {
            await ImapConnectionRunner.RunAsync(connection.Socket, options, _authenticator, _tls.SelectOptions, implicitTls, cancellationToken, remote);
        }
        catch (System.Security.Authentication.AuthenticationException e)
        {
            _logger.LogDebug(e, "IMAP TLS handshake failed from {Remote}", remote);
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await Task.WhenAll(_listeners.Select(l => l.StopAsync()));
        _listeners.Clear();
    }
}
