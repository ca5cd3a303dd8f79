namespace HostingPanel.MailEngine.Protocol.Imap;

/// <summary>
/// A command does not follow the grammar; <see cref="Exception.Message"/> is the text of the tagged
/// answer, normally BAD. A few grammatical refusals are NO by RFC (e.g. <c>NO [BADCHARSET]</c>).
/// </summary>
public sealed class ImapParseException(string reason, ImapStatus status = ImapStatus.Bad, string? responseCode = null) : Exception(reason)
{
    public ImapStatus Status { get; } = status;

    public string? ResponseCode { get; } = responseCode;
}
