using System.Net.Sockets;
using System.Threading.Channels;
using HostingPanel.MailEngine.Sessions.Smtp;
using Microsoft.Extensions.Logging;
using SmtpServer;
using SmtpServer.IO;
using SmtpServer.Net;

namespace HostingPanel.MailEngine.Listeners;

/// <summary>
/// The bridge from our accept loop (<see cref="MailListener"/>, with its limits and refusals) to the
/// SmtpServer package, which otherwise binds and accepts on its own: connections our listener admitted
/// wait here until the package's loop asks for the next one. The listener's session task lasts until
/// the package disposes the connection's pipe, so the connection counts against the limits as long as
/// it is open.
/// </summary>
internal sealed class SmtpAcceptedConnections
{
    private readonly Channel<(MailConnection Connection, TaskCompletionSource Closed, MailSessionScope? Scope)> _queue =
        Channel.CreateUnbounded<(MailConnection, TaskCompletionSource, MailSessionScope?)>(new UnboundedChannelOptions { SingleReader = true });

    /// <summary>The <see cref="MailListener"/> handler: hands the connection over and waits until its session ends.</summary>
    public async Task HandOverAsync(MailConnection connection, CancellationToken stopping)
    {
        var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        // The package runs the session in its own async flow: the connection's logging scope travels with the socket.
        await _queue.Writer.WriteAsync((connection, closed, MailSessionScope.Current), stopping);
        await closed.Task.WaitAsync(stopping);
    }

    public ValueTask<(MailConnection Connection, TaskCompletionSource Closed, MailSessionScope? Scope)> NextAsync(CancellationToken cancellationToken) => _queue.Reader.ReadAsync(cancellationToken);
}

/// <summary>Gives the package, for each endpoint it was configured with, the connections our listener of that name admitted.</summary>
internal sealed class SmtpEndpointListenerFactory(IReadOnlyDictionary<IEndpointDefinition, SmtpAcceptedConnections> connections, SmtpPipeSettings settings, ILogger logger)
    : IEndpointListenerFactory
{
    public IEndpointListener CreateListener(IEndpointDefinition endpointDefinition) => new SmtpEndpointListener(connections[endpointDefinition], settings, logger);
}

internal sealed class SmtpEndpointListener(SmtpAcceptedConnections connections, SmtpPipeSettings settings, ILogger logger) : IEndpointListener
{
    public async Task<ISecurableDuplexPipe> GetPipeAsync(ISessionContext context, CancellationToken cancellationToken)
    {
        var (connection, closed, scope) = await connections.NextAsync(cancellationToken);
        if (scope is not null)
            context.Properties[MailSessionScope.SmtpContextKey] = scope;
        // The client's address (behind a balancer, the PROXY header's): Received fields, throttling, logs.
        context.Properties[EndpointListener.LocalEndPointKey] = connection.LocalEndPoint;
        context.Properties[EndpointListener.RemoteEndPointKey] = connection.RemoteEndPoint;
        return new SmtpSecurablePipe(connection.Socket, context, settings, () => closed.TrySetResult(), logger);
    }

    public void Dispose()
    {
    }
}
