namespace HostingPanel.MailEngine.Delivery;

/// <summary>What happened to a message for one recipient (one line of the delivery log).</summary>
public enum DeliveryOutcome
{
    /// <summary>SMTP acknowledged the message for this RCPT TO address (250 after DATA).</summary>
    Accepted,
    /// <summary>SMTP refused it (at RCPT TO or at the end of DATA); nothing was acknowledged.</summary>
    Refused,
    /// <summary>Stored in a local mailbox's INBOX.</summary>
    Delivered,
    /// <summary>Stored in a local mailbox's folder other than INBOX (a filter chose it).</summary>
    Filed,
    /// <summary>A local address (alias, forward) sent it on to an external address, through the outbound queue.</summary>
    Forwarded,
    /// <summary>An authenticated user's message to an external address entered the outbound queue.</summary>
    Queued,
    /// <summary>The remote server accepted it from the outbound queue.</summary>
    Relayed,
    /// <summary>Given up (permanent refusal, full mailbox after DATA, or too many attempts); a DSN went to the sender.</summary>
    Bounced,
    /// <summary>A temporary failure; the outbound queue tries again later.</summary>
    Deferred,
}

/// <param name="Reason">For refusals and failures a short fixed token (<c>unknown_recipient</c>, <c>relay_denied</c>...), used as a metric label.</param>
/// <param name="Detail">Free text for people: the SMTP reply, the destination reached, the remote answer.</param>
/// <param name="LocalDomain">The hosted domain the line belongs to (whose tenant may read it); null: only staff, or
/// taken from the line that queued <paramref name="QueueId"/>.</param>
public sealed record DeliveryEvent(
    DateTimeOffset Time, DeliveryOutcome Outcome, string Sender, string Recipient, string? MessageId, long Size, string? Client,
    string? Reason = null, string? Detail = null, string? LocalDomain = null, string? QueueId = null);

public static class DeliveryOutcomes
{
    /// <summary>The lowercase name used in the API, the log and metric labels.</summary>
    public static string Name(this DeliveryOutcome outcome) => outcome switch
    {
        DeliveryOutcome.Accepted => "accepted",
        DeliveryOutcome.Refused => "refused",
        DeliveryOutcome.Delivered => "delivered",
        DeliveryOutcome.Filed => "filed",
        DeliveryOutcome.Forwarded => "forwarded",
        DeliveryOutcome.Queued => "queued",
        DeliveryOutcome.Relayed => "relayed",
        DeliveryOutcome.Bounced => "bounced",
        _ => "deferred",
    };

    public static DeliveryOutcome? Parse(string? name) =>
        Enum.GetValues<DeliveryOutcome>().Cast<DeliveryOutcome?>().FirstOrDefault(o => string.Equals(o!.Value.Name(), name, StringComparison.OrdinalIgnoreCase));
}
