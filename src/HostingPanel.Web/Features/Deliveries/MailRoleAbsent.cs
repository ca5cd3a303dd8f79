using HostingPanel.MailEngine.Delivery;

namespace HostingPanel.Web.Features.Deliveries;

/// <summary>Thrown by the stand-ins on a node that runs no mail engine (Roles without Mail): the API answers 503.</summary>
public sealed class MailRoleAbsentException() : Exception("This node does not run the mail engine (Roles); ask a node with the Mail role.");

/// <summary>The delivery log where this process runs no mail engine: explicitly absent, never a null lookup.</summary>
public sealed class AbsentDeliveryLog : IDeliveryLog
{
    public Task<DeliveryLogPage> SearchAsync(DeliveryLogQuery query, CancellationToken ct = default) => throw new MailRoleAbsentException();
}

/// <summary>The routing check where this process runs no mail engine.</summary>
public sealed class AbsentMailRouting : IMailRouting
{
    public Task<RoutingReport?> ExplainAsync(string address, CancellationToken ct = default) => throw new MailRoleAbsentException();
}
