using System.Text.RegularExpressions;
using MailKit;
using MailKit.Net.Imap;
using MimeKit;

namespace HostingPanel.Web.Webmail;

public sealed record AttachmentItem(string Part, string FileName, string ContentType, long Size);

public sealed record MessageView(
    string Folder, uint Uid, string Subject, string From, string To, string Cc, string ReplyTo, DateTimeOffset? Date,
    string? MessageId, bool Flagged, bool HasHtml, string? Text, IReadOnlyList<AttachmentItem> Attachments);

/// <summary>An attachment's decoded content, written straight to the response.</summary>
public sealed record AttachmentContent(string FileName, string ContentType, MimePart Part);

/// <summary>
/// Reading one message. Only what the page shows is fetched (BODYSTRUCTURE, then the text part; the
/// HTML part when the frame asks for it; an attachment when downloaded), so a 2 MB message with a large
/// attachment opens as fast as a small one. Opening marks the message \Seen. Sanitized HTML is kept
/// in <see cref="SanitizedHtmlCache"/>, since a stored message never changes.
/// </summary>
public sealed partial class WebmailReader(ImapConnectionPool pool, MailHtmlSanitizer sanitizer, SanitizedHtmlCache sanitized)
{
    private const MessageSummaryItems ViewItems = MessageSummaryItems.UniqueId | MessageSummaryItems.Envelope | MessageSummaryItems.Flags
        | MessageSummaryItems.BodyStructure | MessageSummaryItems.Size;

    /// <summary>Inline images above this size stay out of the frame (the data: URL would be larger still).</summary>
    private const long MaxInlineImageBytes = 2 * 1024 * 1024;

    public Task<MessageView?> OpenAsync(WebmailCredentials who, string folderPath, uint uid, CancellationToken ct) =>
        pool.RunAsync(who, async (client, t) =>
        {
            var folder = await ImapFolders.OpenAsync(client, folderPath, FolderAccess.ReadWrite, t);
            var summary = await SummaryAsync(folder, uid, t);
            if (summary is null) return null;
            string? text = null;
            if (summary.TextBody is { } textPart)
                text = ((TextPart)await folder.GetBodyPartAsync(summary.UniqueId, textPart, t)).Text;
            if (!(summary.Flags ?? MessageFlags.None).HasFlag(MessageFlags.Seen))
                await folder.AddFlagsAsync(summary.UniqueId, MessageFlags.Seen, silent: true, t);
            var e = summary.Envelope ?? new Envelope();
            return new MessageView(folderPath, uid, e.Subject ?? "", WebmailListing.Describe(e.From), WebmailListing.Describe(e.To),
                WebmailListing.Describe(e.Cc), WebmailListing.Describe(e.ReplyTo), e.Date, e.MessageId,
                (summary.Flags ?? MessageFlags.None).HasFlag(MessageFlags.Flagged), summary.HtmlBody is not null, text,
                summary.Attachments.Select(a => new AttachmentItem(a.PartSpecifier, FileNameOf(a), a.ContentType.MimeType, a.Octets)).ToList());
        }, ct);

    /// <summary>The message's HTML, sanitized, with cid: images inlined; null when it has none.</summary>
    public Task<(string Html, bool BlockedRemote)?> HtmlAsync(WebmailCredentials who, string folderPath, uint uid, bool allowRemoteImages, CancellationToken ct) =>
        pool.RunAsync<(string, bool)?>(who, async (client, t) =>
        {
            var folder = await ImapFolders.OpenAsync(client, folderPath, FolderAccess.ReadOnly, t);
            var summary = await SummaryAsync(folder, uid, t);
            if (summary?.HtmlBody is not { } htmlPart) return null;
            var key = new SanitizedHtmlCache.Key(who.MailboxId, folder.FullName, folder.UidValidity, summary.UniqueId.Id, allowRemoteImages);
            if (sanitized.Find(key) is { } cached) return (cached.Html, cached.BlockedRemote);
            var html = ((TextPart)await folder.GetBodyPartAsync(summary.UniqueId, htmlPart, t)).Text;
            // Issue 16.9: HTML too large or too deep for the parser in bounded time is shown as text (measured before
            // cid: images are inlined, whose data: URLs are long attribute values, not structure).
            var measured = HtmlBounds.Measure(html);
            if (!measured.IsWithinBounds)
            {
                var text = HtmlBounds.AsTextDocument(html, measured);
                sanitized.Add(key, new SanitizedHtmlCache.Entry(text, false));
                return (text, false);
            }
            html = await InlineCidImagesAsync(folder, summary, html, t);
            var clean = sanitizer.Sanitize(html, allowRemoteImages, out var blocked);
            sanitized.Add(key, new SanitizedHtmlCache.Entry(clean, blocked));
            return (clean, blocked);
        }, ct);

    public Task<AttachmentContent?> AttachmentAsync(WebmailCredentials who, string folderPath, uint uid, string part, CancellationToken ct) =>
        pool.RunAsync(who, async (client, t) =>
        {
            var folder = await ImapFolders.OpenAsync(client, folderPath, FolderAccess.ReadOnly, t);
            var summary = await SummaryAsync(folder, uid, t);
            var body = summary?.BodyParts.FirstOrDefault(p => p.PartSpecifier == part);
            if (body is null) return null;
            if (await folder.GetBodyPartAsync(summary!.UniqueId, body, t) is not MimePart mime) return null;
            return new AttachmentContent(FileNameOf(body), body.ContentType.MimeType, mime);
        }, ct);

    /// <summary>The whole message as stored (BODY.PEEK[]).</summary>
    public Task<MimeMessage?> SourceAsync(WebmailCredentials who, string folderPath, uint uid, CancellationToken ct) =>
        pool.RunAsync<MimeMessage?>(who, async (client, t) =>
        {
            var folder = await ImapFolders.OpenAsync(client, folderPath, FolderAccess.ReadOnly, t);
            try { return await folder.GetMessageAsync(new UniqueId(uid), t); }
            catch (MessageNotFoundException) { return null; }
        }, ct);

    public static async Task<IMessageSummary?> SummaryAsync(IMailFolder folder, uint uid, CancellationToken ct)
    {
        if (uid == 0) return null;
        var found = await folder.FetchAsync([new UniqueId(uid)], ViewItems, ct);
        return found.Count == 0 ? null : found[0];
    }

    private static async Task<string> InlineCidImagesAsync(IMailFolder folder, IMessageSummary summary, string html, CancellationToken ct)
    {
        if (!html.Contains("cid:", StringComparison.OrdinalIgnoreCase)) return html;
        var parts = summary.BodyParts.Where(p => p.ContentId is not null && p.ContentType.MediaType.Equals("image", StringComparison.OrdinalIgnoreCase)
            && !p.ContentType.MediaSubtype.Contains("svg", StringComparison.OrdinalIgnoreCase) && p.Octets <= MaxInlineImageBytes).ToList();
        foreach (var part in parts)
        {
            var id = part.ContentId!.Trim('<', '>');
            if (!html.Contains("cid:" + id, StringComparison.OrdinalIgnoreCase)) continue;
            if (await folder.GetBodyPartAsync(summary.UniqueId, part, ct) is not MimePart mime || mime.Content is null) continue;
            using var buffer = new MemoryStream();
            await mime.Content.DecodeToAsync(buffer, ct);
            var data = $"data:{part.ContentType.MimeType};base64,{Convert.ToBase64String(buffer.GetBuffer(), 0, (int)buffer.Length)}";
            html = html.Replace("cid:" + id, data, StringComparison.OrdinalIgnoreCase);
        }
        return html;
    }

    private static string FileNameOf(BodyPartBasic part)
    {
        var name = part.FileName;
        if (string.IsNullOrWhiteSpace(name)) name = "attachment-" + part.PartSpecifier;
        // The name goes into a Content-Disposition header and a link: no path, no control characters.
        name = UnsafeFileNameChars().Replace(Path.GetFileName(name.Replace('\\', '/')), "_");
        return name.Length == 0 ? "attachment" : name;
    }

    [GeneratedRegex(@"[\x00-\x1f\x7f""]")]
    private static partial Regex UnsafeFileNameChars();

    /// <summary>Plain text of an HTML body, for quoting in replies when the message has no text part; linear (<see cref="HtmlBounds.TextOf"/>).</summary>
    public static string TextOfHtml(string html) => HtmlBounds.TextOf(html);

}
