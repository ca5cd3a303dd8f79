using SmtpServer.Protocol;

namespace HostingPanel.MailEngine.Protocol.Smtp;

/// <summary>
/// The replies this server chooses itself, each with its RFC 3463 enhanced status code. Replies the
/// SmtpServer package writes on its own get a code added by <see cref="SmtpEnhancedStatusCodes"/>.
/// </summary>
public static class SmtpReplies
{
    public static SmtpResponse Ok(string text) => new(SmtpReplyCode.Ok, "2.0.0 " + text);
    public static readonly SmtpResponse SenderOk = new(SmtpReplyCode.Ok, "2.1.0 Sender OK");
    public static readonly SmtpResponse RecipientOk = new(SmtpReplyCode.Ok, "2.1.5 Recipient OK");

    public static SmtpResponse UnknownRecipient(string address) => new(SmtpReplyCode.MailboxUnavailable, $"5.1.1 <{address}>: no such user here");
    public static SmtpResponse DisabledRecipient(string address) => new(SmtpReplyCode.MailboxUnavailable, $"5.2.1 <{address}>: mailbox disabled");
    /// <summary>A bounce address this server never gave out, or gave out too long ago (SRS hash or timestamp check).</summary>
    public static SmtpResponse SrsInvalid(string address, string why) => new(SmtpReplyCode.MailboxUnavailable, $"5.1.1 <{address}>: {why} SRS bounce address");
    public static SmtpResponse SrsOnlyBounces(string address) => new(SmtpReplyCode.MailboxUnavailable, $"5.7.1 <{address}>: an SRS address accepts only bounces (MAIL FROM:<>)");
    /// <summary>Outbound abuse limits (RFC 3463 4.7.1: delivery not authorized, try later): the client keeps the message.</summary>
    public static SmtpResponse SendingLimited(string reason) => new(SmtpReplyCode.Aborted, "4.7.1 " + reason);
    /// <summary>The spam filter's reject, at the end of DATA (never accepted and bounced later).</summary>
    public static SmtpResponse SpamRejected(string text) => new(SmtpReplyCode.TransactionFailed, "5.7.1 " + text);
    /// <summary>RFC 7489 section 7.3 (DMARC policy "reject" of the From domain): 550 5.7.1.</summary>
    public static SmtpResponse DmarcRejected(string domain) =>
        new(SmtpReplyCode.MailboxUnavailable, $"5.7.1 rejected by the DMARC policy of {domain}: the message fails SPF and DKIM alignment");
    public static SmtpResponse SpamTryLater(string text) => new(SmtpReplyCode.Aborted, "4.7.1 " + text);
    public static SmtpResponse RelayDenied(string address) => new(SmtpReplyCode.TransactionFailed, $"5.7.1 <{address}>: relaying denied");
    public static SmtpResponse MailboxFull(string address) => new(SmtpReplyCode.InsufficientStorage, $"4.2.2 <{address}>: mailbox full");
    public static SmtpResponse MessageDoesNotFit(string addresses) => new(SmtpReplyCode.SizeLimitExceeded, $"5.2.2 {addresses}: mailbox full, message does not fit");
    public static readonly SmtpResponse BadAddress = new(SmtpReplyCode.SyntaxError, "5.1.3 bad address syntax");
    public static readonly SmtpResponse TooManyRecipients = new(SmtpReplyCode.InsufficientStorage, "4.5.3 too many recipients");
    public static readonly SmtpResponse SenderNotOwned = new(SmtpReplyCode.MailboxNameNotAllowed, "5.7.1 sender address not owned by the authenticated user");
    public static SmtpResponse FromHeaderNotOwned(string address) =>
        new(SmtpReplyCode.MailboxNameNotAllowed, $"5.7.1 From header <{address}> not owned by the authenticated user");
    /// <summary>RFC 5322 section 3.6: exactly one From, at most one Sender; a second one is a malformed message (RFC 3463 5.6.0).</summary>
    public static SmtpResponse DuplicateOriginatorField(string name, int count) =>
        new(SmtpReplyCode.TransactionFailed, $"5.6.0 message has {count} {name} header fields; RFC 5322 section 3.6 allows {(name == "From" ? "exactly one" : "at most one")}");
    public static readonly SmtpResponse SenderHeaderNotOneAddress =
        new(SmtpReplyCode.TransactionFailed, "5.6.0 the Sender header field must hold exactly one address (RFC 5322 section 3.6.2)");
    public static SmtpResponse SenderHeaderNotOwned(string address) =>
        new(SmtpReplyCode.MailboxNameNotAllowed, $"5.7.1 Sender header <{address}> not owned by the authenticated user");
    /// <summary>RFC 3463 5.5.3: too many recipients, here after aliases and forwards were expanded.</summary>
    public static SmtpResponse TooManyExpandedExternal(int count, int max) =>
        new(SmtpReplyCode.MailboxUnavailable, $"5.5.3 the recipients expand through aliases and forwards to {count} outside addresses; at most {max} per message");
    public static readonly SmtpResponse ExpansionRateExceeded =
        new(SmtpReplyCode.Aborted, "4.7.1 the recipient domain's aliases and forwards reached their hourly limit of outside addresses; try again later");
    public static readonly SmtpResponse FromHeaderMissing = new(SmtpReplyCode.MailboxNameNotAllowed, "5.7.1 message has no From header address");
    public static readonly SmtpResponse NullSenderRefused = new(SmtpReplyCode.MailboxNameNotAllowed, "5.7.1 a null sender is not allowed on submission");
    public static readonly SmtpResponse TooManyHops = new(SmtpReplyCode.TransactionFailed, "5.4.6 too many Received headers, mail loop?");
    public static readonly SmtpResponse HeaderFieldTooBig = new(SmtpReplyCode.TransactionFailed, $"5.6.0 a header field exceeds {MessageHeaderLimit.MaxFieldBytes} bytes");
    public static readonly SmtpResponse MessageTooBig = new(SmtpReplyCode.SizeLimitExceeded, "5.3.4 message exceeds the maximum size");
    public static readonly SmtpResponse LocalError = new(SmtpReplyCode.Aborted, "4.3.0 local error, try again later");
    /// <summary>RFC 3463 4.3.1: the server's disk is full (not the mailbox's quota, which is 4.2.2/5.2.2).</summary>
    public static readonly SmtpResponse StorageFull = new(SmtpReplyCode.InsufficientStorage, "4.3.1 insufficient system storage, try again later");
    /// <summary>The recipient's Sieve script refused the message (RFC 5429 section 2.1: 550 5.7.1 with the script's reason).</summary>
    public static SmtpResponse RejectedByFilter(string reason) => new(SmtpReplyCode.MailboxUnavailable, "5.7.1 " + reason);
    public static readonly SmtpResponse NotDelivered = new(SmtpReplyCode.MailboxUnavailable, "5.1.1 no recipient could take the message");
    /// <summary>The end of DATA when every copy was stored or queued.</summary>
    public static SmtpResponse Queued(string id) => Ok($"Ok: queued as {id}");
    /// <summary>The end of DATA when some copies were stored or queued and others failed (docs/smtp.md, "Mixed recipient outcomes").</summary>
    public static SmtpResponse QueuedExceptFor(string id, string failedAddresses, bool reportFollows) =>
        Ok($"Ok: queued as {id}; not delivered to {failedAddresses} (mailbox full or gone)"
            + (reportFollows ? ", a delivery status notification follows" : ", no delivery status notification follows"));
    /// <summary>The spam filter's reject with its score.</summary>
    public static SmtpResponse SpamRefused(double score) => SpamRejected($"message refused as spam (score {score:0.0})");
    public static readonly SmtpResponse SpamDeferred = SpamTryLater("message deferred by the spam filter, try again later");
    /// <summary>Diagnostic-Code texts (RFC 3464 section 2.3.6) of recipients that failed after DATA was accepted.</summary>
    public const string NoSuchUserDiagnostic = "550 5.1.1 no such user";
    public const string MailboxFullDiagnostic = "552 5.2.2 mailbox full";
    public const string RejectedByFilterDiagnosticPrefix = "550 5.7.1 ";
    public static readonly SmtpResponse AuthRequiresTls = new(SmtpReplyCode.AuthenticationRequired, "5.7.11 encryption required for requested authentication mechanism");
}
