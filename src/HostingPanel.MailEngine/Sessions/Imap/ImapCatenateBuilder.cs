using HostingPanel.MailEngine.Protocol.Imap;
using HostingPanel.MailEngine.Protocol.Imap.Commands;
using HostingPanel.MailEngine.Protocol.Imap.Mime;
using HostingPanel.MailEngine.Protocol.Imap.Urls;

namespace HostingPanel.MailEngine.Sessions.Imap;

/// <summary>What building a CATENATE message gave: the message, or the URL that could not be used, or "too big".</summary>
internal readonly record struct ImapCatenateResult(byte[]? Data, bool IsBinary, string? BadUrl, bool TooBig);

/// <summary>
/// Builds the message of an APPEND ... CATENATE (RFC 4469 section 5) from its text literals and IMAP URLs.
/// A URL may only name data the logged-in user can read in this session's own account (its folders, checked by
/// UIDVALIDITY when given), so CATENATE can never copy another user's mail; reading it does not set \Seen.
/// The result is bounded by the largest message APPEND takes (section 5: TOOBIG).
/// </summary>
internal static class ImapCatenateBuilder
{
    public static async ValueTask<ImapCatenateResult> BuildAsync(IImapAccount account, IReadOnlyList<ImapCatenatePart> parts, long maxSize, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var binary = false;
        foreach (var part in parts)
        {
            ReadOnlyMemory<byte> data;
            if (part.Url is null)
            {
                data = part.Text;
                binary |= part.IsBinary;
            }
            else if (await ResolveAsync(account, part.Url, cancellationToken) is { } resolved)
            {
                data = resolved;
            }
            else
            {
                return new ImapCatenateResult(null, false, part.Url, false);
            }

            if (buffer.Length + data.Length > maxSize)
            {
                return new ImapCatenateResult(null, false, null, true);
            }

            buffer.Write(data.Span);
        }

        return new ImapCatenateResult(buffer.ToArray(), binary, null, false);
    }

    /// <summary>The data a URL names, or null when it names nothing this user has (RFC 4469: BADURL).</summary>
    private static async ValueTask<ReadOnlyMemory<byte>?> ResolveAsync(IImapAccount account, string text, CancellationToken cancellationToken)
    {
        if (ImapMessageUrl.TryParse(text) is not { } url
            || (url.User is not null && !string.Equals(url.User, account.UserName, StringComparison.OrdinalIgnoreCase))
            || MailboxName(url.Mailbox) is not { } mailbox)
        {
            return null;
        }

        await using var folder = await account.OpenFolderAsync(mailbox, cancellationToken);
        if (folder is null)
        {
            return null;
        }

        if (url.UidValidity is { } expected && (await folder.GetStatusAsync(cancellationToken))?.UidValidity != expected)
        {
            return null;
        }

        if (await folder.LoadMessageAsync(url.Uid, includeRaw: true, cancellationToken) is not { } message)
        {
            return null;
        }

        ReadOnlyMemory<byte> data = message.Raw;
        if (url.Section is not null)
        {
            if (Section(url.Section) is not { } section
                || ImapSectionResolver.Resolve(ImapMessageStructure.Parse(message.Raw), message.Raw, section) is not { } resolved)
            {
                return null;
            }

            data = resolved;
        }

        if (url.PartialOffset is { } offset)
        {
            data = offset >= data.Length ? ReadOnlyMemory<byte>.Empty : data[(int)offset..];
            if (url.PartialLength is { } length && length < data.Length)
            {
                data = data[..(int)length];
            }
        }

        return data;
    }

    /// <summary>
    /// The URL's mailbox as the store names it: UTF-8 as written, or modified UTF-7 when the client wrote the
    /// IMAP wire form (RFC 5092 section 3.2 asks for UTF-8; clients that percent-encode the wire name exist).
    /// </summary>
    private static string? MailboxName(string decoded)
    {
        var utf8 = decoded.Any(c => c > 0x7F);
        return ImapMailboxName.TryDecode(decoded, utf8Enabled: utf8, out var name, out _) ? name : null;
    }

    /// <summary>The section spec through FETCH's own grammar (the URL's characters were limited so it cannot escape it).</summary>
    private static ImapSection? Section(string spec)
    {
        var parsed = ImapCommandParser.Parse(ImapCommandFrame.FromText("C FETCH 1 BODY.PEEK[" + spec + "]\r\n"));
        return parsed.Command is ImapFetchCommand { Items: [{ Kind: ImapFetchItemKind.BodySection, Section: { } section }] } ? section : null;
    }
}
