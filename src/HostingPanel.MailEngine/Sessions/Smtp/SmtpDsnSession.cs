using System.Buffers;
using System.Text;
using HostingPanel.MailEngine.Directory;
using HostingPanel.MailEngine.Protocol.Smtp;
using SmtpServer;

namespace HostingPanel.MailEngine.Sessions.Smtp;

/// <summary>
/// The DSN parameters of a transaction (RFC 3461), kept in the session's property bag. The transport
/// reads them from the MAIL and RCPT lines (<see cref="Capture"/>) just before the package parses the
/// same line; the mailbox filter ties a RCPT's parameters to the recipient once it is accepted.
/// </summary>
internal static class SmtpDsnSession
{
    private const string EnvelopeKey = "hp:dsn:envelope";
    private const string PendingRecipientKey = "hp:dsn:pending-rcpt";
    private const string RecipientsKey = "hp:dsn:recipients";

    /// <summary>
    /// When the first complete line of <paramref name="buffer"/> is a MAIL or RCPT command: its DSN
    /// parameters are kept for the command, or, when they are malformed, the refusal and the position
    /// past the line are returned (the line is then answered and never reaches the package).
    /// </summary>
    public static (string Reply, SequencePosition LineEnd)? Capture(in ReadOnlySequence<byte> buffer, ISessionContext context)
    {
        if (buffer.PositionOf((byte)'\n') is not { } lf || lf.Equals(buffer.Start))
            return null;
        var head = buffer.Slice(0, Math.Min(5, buffer.Slice(0, lf).Length));
        var verb = Encoding.ASCII.GetString(head.ToArray()).ToUpperInvariant();
        if (!verb.StartsWith("MAIL") && !verb.StartsWith("RCPT"))
            return null;
        var line = Encoding.Latin1.GetString(buffer.Slice(0, lf)).TrimEnd('\r');
        string? refusal;
        if (verb.StartsWith("MAIL"))
        {
            (var envelope, refusal) = SmtpDsnParameters.ParseMail(line);
            // RFC 8689 section 4.1: REQUIRETLS is offered and accepted only on a TLS session; in clear the promise
            // "this message travels over TLS" would already be broken on the first hop.
            if (envelope is { RequireTls: true } && context.Pipe is not { IsSecure: true })
                (envelope, refusal) = (null, "530 5.7.10 REQUIRETLS needs a TLS session: STARTTLS first");
            if (envelope is not null)
                context.Properties[EnvelopeKey] = envelope;
        }
        else
        {
            (var recipient, refusal) = SmtpDsnParameters.ParseRcpt(line);
            if (recipient is not null)
                context.Properties[PendingRecipientKey] = recipient;
        }
        return refusal is null ? null : (refusal, buffer.GetPosition(1, lf));
    }

    /// <summary>MAIL FROM accepted: a new transaction, no recipients' parameters yet.</summary>
    public static void StartTransaction(this ISessionContext context) =>
        context.Properties[RecipientsKey] = new Dictionary<string, DsnRecipient>(StringComparer.OrdinalIgnoreCase);

    /// <summary>RCPT TO accepted: the parameters of that RCPT line belong to <paramref name="address"/>.</summary>
    public static void AcceptRecipient(this ISessionContext context, string address)
    {
        var dsn = context.Properties.TryGetValue(PendingRecipientKey, out var value) && value is DsnRecipient r ? r : DsnRecipient.None;
        if (context.Properties.TryGetValue(RecipientsKey, out var map) && map is Dictionary<string, DsnRecipient> recipients)
            recipients[Key(address)] = dsn;
    }

    public static DsnEnvelope DsnEnvelope(this ISessionContext context) =>
        context.Properties.TryGetValue(EnvelopeKey, out var value) && value is DsnEnvelope e ? e : Protocol.Smtp.DsnEnvelope.None;

    /// <summary>The DSN parameters of the RCPT that named <paramref name="address"/>.</summary>
    public static DsnRecipient DsnOf(this ISessionContext context, string address) =>
        context.Properties.TryGetValue(RecipientsKey, out var map) && map is Dictionary<string, DsnRecipient> recipients
        && recipients.TryGetValue(Key(address), out var dsn) ? dsn : DsnRecipient.None;

    private static string Key(string address) => MailDirectory.NormalizeAddress(address) ?? address;
}
