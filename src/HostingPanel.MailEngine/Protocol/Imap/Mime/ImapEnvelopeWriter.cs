using System.Buffers;
using System.Text;
using MimeKit;
using MimeKit.Utils;

namespace HostingPanel.MailEngine.Protocol.Imap.Mime;

/// <summary>ENVELOPE (RFC 9051 section 7.5.2) from a parsed message.</summary>
/// <remarks>
/// <code>
/// envelope = "(" env-date SP env-subject SP env-from SP env-sender SP env-reply-to SP env-to SP
///            env-cc SP env-bcc SP env-in-reply-to SP env-message-id ")"
/// address  = "(" addr-name SP addr-adl SP addr-mailbox SP addr-host ")"
/// </code>
/// Date, subject, In-Reply-To and Message-ID are the raw header values, unfolded (encoded-words stay
/// encoded, as servers send them). Sender and Reply-To default to From. A group is
/// (NIL NIL "name" NIL) ... (NIL NIL NIL NIL).
/// </remarks>
public static class ImapEnvelopeWriter
{
    /// <summary>Domain written for an address without one: NIL would mean "group" to the client.</summary>
    private const string MissingDomain = "MISSING_DOMAIN";

    public static byte[] ToBytes(MimeMessage message)
    {
        var buffer = new ArrayBufferWriter<byte>();
        Write(new ImapResponseWriter(buffer), message);
        return buffer.WrittenSpan.ToArray();
    }

    public static void Write(ImapResponseWriter w, MimeMessage message)
    {
        var headers = message.Headers;
        w.OpenList();
        w.NString(RawValue(headers, HeaderId.Date)).Space();
        w.NString(RawValue(headers, HeaderId.Subject)).Space();
        var from = headers.Contains(HeaderId.From) ? message.From : [];
        Addresses(w, from);
        w.Space();
        Addresses(w, headers.Contains(HeaderId.Sender) && message.Sender is { } sender ? [sender] : from);
        w.Space();
        Addresses(w, headers.Contains(HeaderId.ReplyTo) && message.ReplyTo.Count > 0 ? message.ReplyTo : from);
        w.Space();
        Addresses(w, message.To);
        w.Space();
        Addresses(w, message.Cc);
        w.Space();
        Addresses(w, message.Bcc);
        w.Space();
        w.NString(RawValue(headers, HeaderId.InReplyTo)).Space();
        w.NString(RawValue(headers, HeaderId.MessageId));
        w.CloseList();
    }

    /// <summary>A header's raw value, unfolded and trimmed; null when absent.</summary>
    internal static string? RawValue(HeaderList headers, HeaderId id)
    {
        var index = headers.IndexOf(id);
        return index < 0 ? null : Unfold(headers[index].RawValue);
    }

    internal static string? RawValue(HeaderList headers, string field)
    {
        var index = headers.IndexOf(field);
        return index < 0 ? null : Unfold(headers[index].RawValue);
    }

    internal static string Unfold(byte[] raw)
    {
        string text;
        try
        {
            text = new UTF8Encoding(false, true).GetString(raw);
        }
        catch (DecoderFallbackException)
        {
            text = Encoding.Latin1.GetString(raw);
        }

        return text.Replace("\r", string.Empty, StringComparison.Ordinal).Replace("\n", string.Empty, StringComparison.Ordinal).Trim();
    }

    private static void Addresses(ImapResponseWriter w, IEnumerable<InternetAddress> list)
    {
        var any = false;
        foreach (var address in list)
        {
            if (!any)
            {
                w.OpenList();
                any = true;
            }

            Address(w, address, 0);
        }

        if (any)
        {
            w.CloseList();
        }
        else
        {
            w.Nil();
        }
    }

    private static void Address(ImapResponseWriter w, InternetAddress address, int depth)
    {
        switch (address)
        {
            case MailboxAddress mailbox:
                w.OpenList();
                Name(w, mailbox.Name);
                w.Space();
                w.NString(mailbox.Route.Count > 0 ? string.Join(',', mailbox.Route.Select(r => "@" + r)) : null).Space();
                w.NString(mailbox.LocalPart).Space();
                w.NString(string.IsNullOrEmpty(mailbox.Domain) ? MissingDomain : mailbox.Domain);
                w.CloseList();
                break;
            case GroupAddress group:
                w.OpenList().Nil().Space().Nil().Space().NString(group.Name).Space().Nil().CloseList();

                // Note: RFC 9051 has no nested groups; MimeKit bounds their depth, we flatten them.
                foreach (var member in group.Members)
                {
                    if (depth < 8)
                    {
                        Address(w, member, depth + 1);
                    }
                }

                w.OpenList().Nil().Space().Nil().Space().Nil().Space().Nil().CloseList();
                break;
        }
    }

    /// <summary>Display names are written 7-bit (RFC 2047 encoded-words when needed), as they came in most messages.</summary>
    private static void Name(ImapResponseWriter w, string? name)
    {
        if (string.IsNullOrEmpty(name))
        {
            w.Nil();
            return;
        }

        if (name.Any(c => c >= 0x80))
        {
            name = Encoding.ASCII.GetString(Rfc2047.EncodePhrase(Encoding.UTF8, name));
        }

        w.String(name);
    }
}
