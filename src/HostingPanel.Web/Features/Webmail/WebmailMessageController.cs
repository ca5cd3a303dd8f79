using System.Net.Mime;
using System.Text;
using HostingPanel.Data.Identity;
using HostingPanel.Web.Features.Shared;
using HostingPanel.Web.Hosting;
using HostingPanel.Web.Webmail;
using MailKit;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Net.Http.Headers;

namespace HostingPanel.Web.Features.Webmail;

/// <summary>Reading one message: the page, its HTML in a sandboxed frame, attachments and the raw source.</summary>
[Route("webmail/message"), RolesOr404(Roles.MailboxUser), WebmailSession]
public sealed class WebmailMessageController(WebmailReader reader, WebmailFolders folders) : Controller
{
    /// <summary>
    /// The frame's own policy: nothing loads but inline style and data: images (remote images only when the
    /// reader asked), no script at all, no forms, no plugins; the response is sandboxed even when opened
    /// directly, and only this origin may frame it.
    /// </summary>
    public const string BodyPolicy = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:; " +
        "form-action 'none'; base-uri 'none'; frame-ancestors 'self'; sandbox allow-popups allow-popups-to-escape-sandbox";

    public const string BodyPolicyWithRemoteImages = "default-src 'none'; style-src 'unsafe-inline'; img-src data: https: http:; font-src data:; " +
        "form-action 'none'; base-uri 'none'; frame-ancestors 'self'; sandbox allow-popups allow-popups-to-escape-sandbox";

    private WebmailCredentials Who => WebmailSessionAttribute.Of(HttpContext);

    [HttpGet("")]
    public async Task<IActionResult> Show(string folder, uint uid, bool text, bool images, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(folder)) return NotFound();
        MessageView? message;
        try { message = await reader.OpenAsync(Who, folder, uid, ct); }
        catch (FolderNotFoundException) { return NotFound(); }
        if (message is null) return NotFound();
        var overview = await folders.OverviewAsync(Who, ct);
        return View("~/Features/Webmail/Message.cshtml", new MessagePageModel(message, text || !message.HasHtml, images, overview));
    }

    [HttpGet("body")]
    public async Task<IActionResult> Body(string folder, uint uid, bool images, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(folder)) return NotFound();
        (string Html, bool BlockedRemote)? html;
        try { html = await reader.HtmlAsync(Who, folder, uid, images, ct); }
        catch (FolderNotFoundException) { return NotFound(); }
        if (html is null) return NotFound();
        SecurityHeaders.UseFramedPolicy(HttpContext, images ? BodyPolicyWithRemoteImages : BodyPolicy);
        Response.Headers["Referrer-Policy"] = "no-referrer";
        var document = "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Message</title></head><body>" + html.Value.Html + "</body></html>";
        return Content(document, "text/html; charset=utf-8");
    }

    [HttpGet("attachment")]
    public async Task<IActionResult> Attachment(string folder, uint uid, string part, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(folder) || string.IsNullOrEmpty(part) || part.Length > 50) return NotFound();
        AttachmentContent? attachment;
        try { attachment = await reader.AttachmentAsync(Who, folder, uid, part, ct); }
        catch (FolderNotFoundException) { return NotFound(); }
        if (attachment?.Part.Content is null) return NotFound();
        var buffer = new MemoryStream();
        await attachment.Part.Content.DecodeToAsync(buffer, ct);
        buffer.Position = 0;
        // Always a download, never rendered by the browser on this origin (and nosniff, set for every response).
        var disposition = new ContentDispositionHeaderValue("attachment");
        disposition.SetHttpFileName(attachment.FileName);
        Response.Headers.ContentDisposition = disposition.ToString();
        return File(buffer, MediaTypeHeaderValue.TryParse(attachment.ContentType, out _) ? attachment.ContentType : MediaTypeNames.Application.Octet);
    }

    [HttpGet("source")]
    public async Task<IActionResult> Source(string folder, uint uid, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(folder)) return NotFound();
        MimeKit.MimeMessage? message;
        try { message = await reader.SourceAsync(Who, folder, uid, ct); }
        catch (FolderNotFoundException) { return NotFound(); }
        if (message is null) return NotFound();
        var buffer = new MemoryStream();
        await message.WriteToAsync(buffer, ct);
        buffer.Position = 0;
        // Shown as text only: the source is the sender's bytes, so no other type is ever declared.
        return File(buffer, "text/plain; charset=utf-8");
    }
}
