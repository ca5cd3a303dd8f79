using System.Net;
using System.Security.Authentication;
using HostingPanel.MailEngine.Auth;
using HostingPanel.MailEngine.Delivery;
using HostingPanel.MailEngine.Directory;
using HostingPanel.MailEngine.Hosting;
using HostingPanel.MailEngine.Storage;
using HostingPanel.MailEngine.Outbound;
using HostingPanel.MailEngine.Sessions.Smtp;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SmtpServer;

namespace HostingPanel.MailEngine.Listeners;

/// <summary>
/// The SMTP listeners: Mail:Smtp:Port (MX, STARTTLS) as one SmtpServer, and Mail:Submission:Port
/// (STARTTLS) with Mail:Submissions:Port (implicit TLS) as another, AUTH required. Our
/// <see cref="MailListener"/> binds and accepts (limits, refusals, exclusive ports, as for IMAP and
/// POP3); the package runs the sessions of the connections it admitted.
/// </summary>
public sealed class SmtpListeners(
    IOptions<MailEngineOptions> options, IOptions<SmtpLimitsOptions> limits, MailListenerFactory factory, MailDelivery delivery, MailDirectory directory,
    OutboundQueue queue, BounceSender bounces, MailAuthenticator authenticator, MailTlsCertificate tls, TimeProvider time, DeliveryRecorder recorder,
    SmtpDeliverability deliverability, MailboxChangeNotifier changes, ILogger<SmtpListeners> logger)
    : IHostedService
{
    private readonly MailEngineOptions _options = options.Value;
    private readonly SmtpLimitsOptions _limits = limits.Value;
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<MailListener> _listeners = [];
    private readonly List<(SmtpServer.SmtpServer Server, Task Run)> _servers = [];

    public Task StartAsync(CancellationToken cancellationToken)
    {
        Start(SmtpListenerKind.Mx, [("smtp", _options.Smtp, false)]);
        Start(SmtpListenerKind.Submission, [("submission", _options.Submission, false), ("submissions", _options.Submissions, true)]);
        return Task.CompletedTask;
    }

    private void Start(SmtpListenerKind kind, IReadOnlyList<(string Name, ListenerOptions Listener, bool ImplicitTls)> endpoints)
    {
        var active = endpoints.Where(e => e.Listener.Port != 0).ToList();
        if (active.Count == 0)
            return;
        var builder = new SmtpServerOptionsBuilder()
            .ServerName(_options.Hostname)
            .MaxMessageSize(_limits.MaxMessageSize, MaxMessageSizeHandling.Strict)
            .MaxRetryCount(_limits.MaxErrors)
            .MaxAuthenticationAttempts(_limits.MaxAuthenticationAttempts)
            .CommandWaitTimeout(_limits.CommandTimeout)
            .CustomSmtpGreeting(_ => $"220 {_options.Hostname} ESMTP");
        var connections = new Dictionary<IEndpointDefinition, SmtpAcceptedConnections>();
        foreach (var (name, listener, implicitTls) in active)
        {
            var accepted = new SmtpAcceptedConnections();
            if (factory.Start(name, listener, implicitTls, ListenerRefusals.Smtp(_options.Hostname), accepted.HandOverAsync) is { } started)
                _listeners.Add(started);
            // The package only reads this definition's settings; the address is our listener's.
            var definition = new EndpointDefinitionBuilder()
                .Endpoint(new IPEndPoint(IPAddress.Parse(_options.BindAddress), Math.Max(listener.Port, 0)))
                .IsSecure(implicitTls)
                .Certificate(tls.Certificate)
                .SupportedSslProtocols(SslProtocols.Tls12 | SslProtocols.Tls13)
                .AuthenticationRequired(kind == SmtpListenerKind.Submission)
                // Plaintext AUTH is further limited to loopback clients by SmtpUserAuthenticator.
                .AllowUnsecureAuthentication(kind == SmtpListenerKind.Submission && _options.AllowPlaintextAuth)
                .SessionTimeout(_limits.SessionTimeout)
                .Build();
            connections[definition] = accepted;
            builder.Endpoint(definition);
        }
        var userAuthenticator = new SmtpUserAuthenticator(authenticator, _options, changes, logger);
        var services = new SmtpServer.ComponentModel.ServiceProvider();
        services.Add(new SmtpEndpointListenerFactory(connections, new SmtpPipeSettings(_options.Hostname, _limits.MaxCommandLineLength, _options.Limits.PreAuthTimeout, _limits.MaxMessageSize, tls.SelectOptions), logger));
        services.Add(new SmtpCommandFactoryEx(kind == SmtpListenerKind.Submission ? userAuthenticator.IsAuthAllowed : _ => false));
        services.Add(new SmtpMailboxFilter(kind, delivery, directory, _limits, recorder, deliverability, logger));
        services.Add(new SmtpMessageStore(kind, delivery, directory, queue, bounces, _limits, _options.Hostname, time, recorder, deliverability, logger));
        if (kind == SmtpListenerKind.Submission)
            services.Add(userAuthenticator);
        var server = new SmtpServer.SmtpServer(builder.Build(), services);
        // The package raises SessionCreated synchronously inside the session's own async method, just before running
        // it: a scope begun here stays for the whole session (and ends with its flow), so SMTP lines carry the
        // connection's session id as IMAP and POP3 lines do. Disposing it here would end it at once.
        server.SessionCreated += (_, e) =>
        {
            if (e.Context.Properties.TryGetValue(MailSessionScope.SmtpContextKey, out var scope))
                _ = logger.BeginScope(scope);
        };
        server.SessionFaulted += (_, e) => logger.LogDebug(e.Exception, "SMTP session faulted");
        _servers.Add((server, server.StartAsync(_stopping.Token)));
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await Task.WhenAll(_listeners.Select(l => l.StopAsync()));
        _listeners.Clear();
        foreach (var (server, _) in _servers)
            server.Shutdown();
        await _stopping.CancelAsync();
        await Task.WhenAll(_servers.Select(s => s.Run)).WaitAsync(TimeSpan.FromSeconds(5), cancellationToken)
            .ContinueWith(_ => { }, TaskScheduler.Default);
        _servers.Clear();
    }
}
