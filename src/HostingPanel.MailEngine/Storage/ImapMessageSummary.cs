using System.Text;
using HostingPanel.MailEngine.Protocol.Imap.Mime;

namespace HostingPanel.MailEngine.Storage;

/// <summary>
/// ENVELOPE, BODYSTRUCTURE and BODY of a message in IMAP wire syntax (RFC 9051 section 7.5.2),
/// computed once at delivery so that FETCH copies them out without parsing the message again. Written
/// by the same <see cref="ImapEnvelopeWriter"/> and <see cref="ImapBodyStructureWriter"/> that FETCH
/// uses for a message without them, so both ways give the same bytes.
/// </summary>
/// <param name="HeaderSize">
/// Bytes of the top-level header, blank line included (the IMAP [HEADER] section), or -1 when the
/// message could not be parsed: header-only FETCH and SEARCH then read the whole body.
/// </param>
public sealed record ImapMessageSummary(string Envelope, string BodyStructure, string Body, long HeaderSize = -1)
{
    public static ImapMessageSummary Parse(Stream stream)
    {
        ImapMessageStructure structure;
        try
        {
            structure = ImapMessageStructure.Parse(stream);
        }
        catch (FormatException)
        {
            // Note: a body MimeKit cannot parse still has to be stored (RFC 5321 says accept what we can);
            // describe it as one opaque text part.
            var size = stream.Length;
            const string empty = "(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)";
            var text = $"(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" {size} 0";
            return new ImapMessageSummary(empty, text + " NIL NIL NIL NIL)", text + ")");
        }

        // The writers FETCH uses when nothing was cached: one ENVELOPE and one BODYSTRUCTURE writer.
        var root = structure.Root;
        return new ImapMessageSummary(
            Encoding.UTF8.GetString(ImapEnvelopeWriter.ToBytes(root.Message)),
            Encoding.UTF8.GetString(ImapBodyStructureWriter.ToBytes(structure, extensible: true)),
            Encoding.UTF8.GetString(ImapBodyStructureWriter.ToBytes(structure, extensible: false)),
            // [HEADER]'s length, blank line included: the top message starts at 0 in a body file.
            root.HeaderStart == 0 ? root.BodyStart : -1);
    }
}
