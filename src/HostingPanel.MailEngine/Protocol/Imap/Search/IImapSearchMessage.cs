using MimeKit;

namespace HostingPanel.MailEngine.Protocol.Imap.Search;

/// <summary>
/// What SEARCH, SORT and THREAD need to know about one message of the selected mailbox. The store
/// implements it (or an adapter does) from its metadata rows; <see cref="GetContent"/> is only
/// called for keys that need headers or text, so a metadata-only search never opens a body file.
/// </summary>
public interface IImapSearchMessage
{
    /// <summary>1-based position in the session's current view of the mailbox.</summary>
    uint SequenceNumber { get; }

    uint Uid { get; }

    /// <summary>System flags (canonical spelling, see <see cref="ImapFlags"/>, \Recent included for this session) and keywords.</summary>
    bool HasFlag(string flag);

    DateTimeOffset InternalDate { get; }

    /// <summary>RFC822.SIZE.</summary>
    long Size { get; }

    /// <summary>The message's mod-sequence (RFC 7162).</summary>
    ulong ModSeq { get; }

    /// <summary>Headers and text; may load and parse the message, so it is asked for lazily.</summary>
    IImapMessageContent GetContent();
}

/// <summary>The parts of a message that header and text searches look at.</summary>
public interface IImapMessageContent
{
    /// <summary>The top-level header.</summary>
    HeaderList Headers { get; }

    /// <summary>The decoded text of the message's text parts (for BODY and TEXT).</summary>
    string GetBodyText();

    /// <summary>
    /// False only when no header field can contain <paramref name="value"/> (case-insensitively, decoded):
    /// a check on the raw header block that lets a header search skip parsing most messages. True when unsure.
    /// </summary>
    bool HeadersMayContain(string value) => true;

    /// <summary>The header's summary when the content was built from one (a store's header index); null otherwise.</summary>
    ImapHeaderSummary? Summary => null;

    /// <summary>A HEADER key answered from <see cref="Summary"/>; null when there is none or it does not cover the field.</summary>
    bool? MatchHeader(string field, string foldedNeedle) => Summary?.MatchHeader(field, foldedNeedle);
}

/// <summary>Content from a parsed <see cref="MimeMessage"/>.</summary>
public sealed class ImapMimeMessageContent(MimeMessage message) : IImapMessageContent
{
    private string? _bodyText;

    public HeaderList Headers => message.Headers;

    public string GetBodyText() => _bodyText ??= ExtractText(message);

    private static string ExtractText(MimeMessage message)
    {
        var builder = new System.Text.StringBuilder();
        foreach (var part in message.BodyParts)
        {
            if (part is TextPart text)
            {
                builder.Append(text.Text).Append('\n');
            }
        }

        return builder.ToString();
    }
}
