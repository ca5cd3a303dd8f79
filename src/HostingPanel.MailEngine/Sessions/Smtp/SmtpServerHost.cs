using System.Net;
using System.Security.Authentication;
using HostingPanel.MailEngine.Auth;
using HostingPanel.MailEngine.Delivery;
using HostingPanel.MailEngine.Directory;
using HostingPanel.MailEngine.Hosting;
using HostingPanel.MailEngine.Outbound;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SmtpServer;

namespace HostingPanel.MailEngine.Sessions.Smtp;

/// <summary>
/// The SMTP listeners on the SmtpServer package: Mail:Smtp:Port (MX, STARTTLS) as one server, and
/// Mail:Submission:Port (STARTTLS) with Mail:Submissions:Port (implicit TLS) as another, AUTH required.
/// </summary>
public sealed class SmtpServerHost(
    IOptions<MailEngineOptions> options, IOptions<SmtpLimitsOptions> limits, MailListenerRegistry registry, MailDelivery delivery, MailDirectory directory,
    OutboundQueue queue, BounceSender bounces, MailAuthenticator authenticator, MailTlsCertificate tls, TimeProvider time, DeliveryRecorder recorder,
    ILogger<SmtpServerHost> logger)
    : IHostedService
{
    private readonly MailEngineOptions _options = options.Value;
    private readonly SmtpLimitsOptions _limits = limits.Value;
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<(SmtpServer.SmtpServer Server, Task Run)> _servers = [];

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var expected = new List<string>();
        Start(SmtpListenerKind.Mx, [("smtp", _options.Smtp.Port, false)], expected);
        Start(SmtpListenerKind.Submission, [("submission", _options.Submission.Port, false), ("submissions", _options.Submissions.Port, true)], expected);
        // The package binds asynchronously; callers (and tests) expect the ports once we return.
        // A port that cannot be bound fails the start, as for the other listeners.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (expected.Any(n => registry.GetPort(n) is null))
        {
            if (_servers.FirstOrDefault(s => s.Run.IsFaulted) is { Run: { } faulted })
                await faulted;
            if (DateTime.UtcNow > deadline)
                throw new InvalidOperationException("SMTP listeners did not start: " + string.Join(", ", expected.Where(n => registry.GetPort(n) is null)));
            await Task.Delay(10, cancellationToken);
        }
    }

    private void Start(SmtpListenerKind kind, IReadOnlyList<(string Name, int Port, bool ImplicitTls)> endpoints, List<string> expected)
    {
        var active = endpoints.Where(e => e.Port != 0).ToList();
        if (active.Count == 0)
            return;
        var builder = new SmtpServerOptionsBuilder()
            .ServerName(_options.Hostname)
            .MaxMessageSize(_limits.MaxMessageSize, MaxMessageSizeHandling.Strict)
            .MaxRetryCount(_limits.MaxErrors)
            .MaxAuthenticationAttempts(_limits.MaxAuthenticationAttempts)
            .CommandWaitTimeout(_limits.CommandTimeout)
            .CustomSmtpGreeting(_ => $"220 {_options.Hostname} ESMTP");
        var names = new Dictionary<IEndpointDefinition, string>();
        foreach (var (name, port, implicitTls) in active)
        {
            // Note: a negative port asks the OS for a free one (tests); the registry tells which.
            var definition = new EndpointDefinitionBuilder()
                .Endpoint(new IPEndPoint(IPAddress.Parse(_options.BindAddress), Math.Max(port, 0)))
                .IsSecure(implicitTls)
                .Certificate(tls.Certificate)
                .SupportedSslProtocols(SslProtocols.Tls12 | SslProtocols.Tls13)
                .AuthenticationRequired(kind == SmtpListenerKind.Submission)
                // Plaintext AUTH is further limited to loopback clients by SmtpUserAuthenticator.
                .AllowUnsecureAuthentication(kind == SmtpListenerKind.Submission && _options.AllowPlaintextAuth)
                .SessionTimeout(_limits.SessionTimeout)
                .Build();
            names[definition] = name;
            builder.Endpoint(definition);
            expected.Add(name);
        }
        var userAuthenticator = new SmtpUserAuthenticator(authenticator, _options, logger);
        var services = new SmtpServer.ComponentModel.ServiceProvider();
        services.Add(new SmtpEndpointListenerFactory(names, _limits.MaxCommandLineLength, registry, logger));
        services.Add(new SmtpCommandFactoryEx(kind == SmtpListenerKind.Submission ? userAuthenticator.IsAuthAllowed : _ => false));
        services.Add(new SmtpMailboxFilter(kind, delivery, directory, _limits, recorder, logger));
        services.Add(new SmtpMessageStore(kind, delivery, directory, queue, bounces, _limits, _options.Hostname, time, recorder, logger));
        if (kind == SmtpListenerKind.Submission)
            services.Add(userAuthenticator);
        var server = new SmtpServer.SmtpServer(builder.Build(), services);
        server.SessionFaulted += (_, e) => logger.LogDebug(e.Exception, "SMTP session faulted");
        server.SessionCreated += (_, e) =>
        {
            if (names.TryGetValue(e.Context.EndpointDefinition, out var listener))
                registry.Accepted(listener);
        };
        _servers.Add((server, server.StartAsync(_stopping.Token)));
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        foreach (var (server, _) in _servers)
            server.Shutdown();
        await _stopping.CancelAsync();
        await Task.WhenAll(_servers.Select(s => s.Run)).WaitAsync(TimeSpan.FromSeconds(5), cancellationToken)
            .ContinueWith(_ => { }, TaskScheduler.Default);
        _servers.Clear();
    }
}
