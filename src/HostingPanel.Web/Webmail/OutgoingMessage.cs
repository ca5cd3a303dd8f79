namespace HostingPanel.Web.Webmail;

public sealed record OutgoingAttachment(string FileName, string ContentType, byte[] Content);

/// <summary>A message the user originates in webmail (its source message: the one replied to or forwarded).</summary>
public sealed record OutgoingMessage(
    string From, string To, string Cc, string Bcc, string Subject, string Body,
    IReadOnlyList<OutgoingAttachment> Attachments,
    string? InReplyTo = null, string? References = null,
    string? SourceFolder = null, uint? SourceUid = null, bool ForwardAttachments = false, bool IsReply = false,
    uint? DraftUid = null);

public enum ComposeMode { New, Reply, ReplyAll, Forward, Draft }

/// <summary>What the compose form starts with.</summary>
public sealed record ComposeStart(string To, string Cc, string Bcc, string Subject, string Body, string? InReplyTo, string? References,
    IReadOnlyList<AttachmentItem> ForwardedAttachments, string? From = null);
