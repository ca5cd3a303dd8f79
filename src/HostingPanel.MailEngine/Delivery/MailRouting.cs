using HostingPanel.MailEngine.Directory;
using HostingPanel.MailEngine.Protocol.Smtp;
using SmtpServer.Protocol;

namespace HostingPanel.MailEngine.Delivery;

/// <param name="Kind">mailbox, forwardOnlyMailbox, disabledMailbox, alias, catchAll, unknown, external.</param>
/// <param name="Full">For a mailbox: its usage has reached its quota (mail to it is refused or bounced).</param>
public sealed record RoutingHop(
    string Address, int Depth, string? Via, string Kind, IReadOnlyList<string> Destinations,
    long? QuotaBytes = null, long? UsedBytes = null, bool? Full = null, bool? KeepCopy = null);

/// <param name="Accepted">Whether the MX listener would accept mail to the address now.</param>
/// <param name="SmtpReply">What it would answer at RCPT TO.</param>
/// <param name="Mailboxes">The mailboxes that would store a copy.</param>
/// <param name="External">The addresses it would be forwarded to.</param>
public sealed record RoutingReport(
    string Address, bool Accepted, string SmtpReply, IReadOnlyList<string> Mailboxes, IReadOnlyList<string> External, IReadOnlyList<RoutingHop> Hops);

/// <summary>The routing check: what mail to an address would do now, without sending anything (engine surface).</summary>
public interface IMailRouting
{
    /// <summary>Null when <paramref name="address"/> is not an address.</summary>
    Task<RoutingReport?> ExplainAsync(string address, CancellationToken ct = default);
}

/// <summary>Runs the same expansion and the same RCPT TO rules as the MX listener (<c>SmtpMailboxFilter</c>).</summary>
public sealed class MailRouting(MailDirectory directory) : IMailRouting
{
    public async Task<RoutingReport?> ExplainAsync(string address, CancellationToken ct = default)
    {
        var normalized = MailDirectory.NormalizeAddress(address);
        if (normalized is null)
            return null;
        var hops = new List<RoutingHop>();
        var resolution = await directory.TraceRecipientAsync(normalized, step => hops.Add(Hop(step)), ct);
        var escaped = SmtpText.Escape(normalized);
        var reply = resolution.Status switch
        {
            RecipientStatus.NotHosted => SmtpReplies.RelayDenied(escaped),
            RecipientStatus.Unknown => SmtpReplies.UnknownRecipient(escaped),
            RecipientStatus.Disabled => SmtpReplies.DisabledRecipient(escaped),
            // As at RCPT TO: 452 only when nothing has room and nothing goes elsewhere.
            _ when resolution.External.Count == 0 && hops.Where(h => h.Kind == "mailbox").All(h => h.Full == true) => SmtpReplies.MailboxFull(escaped),
            _ => SmtpReplies.RecipientOk,
        };
        return new RoutingReport(normalized, reply.ReplyCode == SmtpReplyCode.Ok, $"{(int)reply.ReplyCode} {reply.Message}",
            resolution.Mailboxes.Select(m => m.Address).ToList(), resolution.External, hops);
    }

    private static RoutingHop Hop(RouteStep step)
    {
        var kind = char.ToLowerInvariant(step.Kind.ToString()[0]) + step.Kind.ToString()[1..];
        if (step.Mailbox is not { } m)
            return new RoutingHop(step.Address, step.Depth, step.Via, kind, step.Destinations);
        var full = m.QuotaBytes > 0 && m.UsedBytes >= m.QuotaBytes;
        return new RoutingHop(step.Address, step.Depth, step.Via, kind, step.Destinations, m.QuotaBytes, m.UsedBytes, full,
            step.Kind == RouteStepKind.Mailbox ? true : step.Kind == RouteStepKind.ForwardOnlyMailbox ? false : null);
    }
}
