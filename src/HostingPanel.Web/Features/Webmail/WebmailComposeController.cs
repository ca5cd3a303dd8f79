using FluentValidation;
using HostingPanel.Data.Identity;
using HostingPanel.Web.Features.Shared;
using HostingPanel.Web.Webmail;
using MailKit;
using Microsoft.AspNetCore.Mvc;

namespace HostingPanel.Web.Features.Webmail;

public sealed record ComposePageModel(ComposeForm Form, IReadOnlyList<string> FromChoices, IReadOnlyList<string> Recent, IReadOnlyList<AttachmentItem> ForwardedAttachments);

/// <summary>Writing mail: new, reply, reply all, forward, or a saved draft; sent through the submission port.</summary>
[Route("webmail/compose"), RolesOr404(Roles.MailboxUser), WebmailSession]
public sealed class WebmailComposeController(WebmailComposer composer, WebmailAddresses addresses, IValidator<ComposeForm> validator) : Controller
{
    private const string View_ = "~/Features/Webmail/Compose.cshtml";
    private WebmailCredentials Who => WebmailSessionAttribute.Of(HttpContext);

    [HttpGet("")]
    public async Task<IActionResult> Compose(ComposeMode mode, string? folder, uint? uid, string? to, CancellationToken ct)
    {
        var from = await addresses.FromChoicesAsync(Who, ct);
        var form = new ComposeForm { Mode = mode, From = from[0], To = to };
        IReadOnlyList<AttachmentItem> forwarded = [];
        if (mode != ComposeMode.New)
        {
            if (string.IsNullOrEmpty(folder) || uid is null) return NotFound();
            ComposeStart? start;
            try { start = await composer.StartAsync(Who, mode, folder, uid.Value, from, ct); }
            catch (FolderNotFoundException) { return NotFound(); }
            if (start is null) return NotFound();
            form.To = start.To; form.Cc = start.Cc; form.Bcc = start.Bcc; form.Subject = start.Subject; form.Body = start.Body;
            form.InReplyTo = start.InReplyTo; form.References = start.References;
            form.SourceFolder = folder; form.SourceUid = uid;
            form.ForwardAttachments = start.ForwardedAttachments.Count > 0;
            forwarded = start.ForwardedAttachments;
            if (mode == ComposeMode.Draft)
            {
                form.DraftUid = uid;
                if (start.From is { } f && from.Contains(f, StringComparer.OrdinalIgnoreCase)) form.From = f;
            }
        }
        return View(View_, new ComposePageModel(form, from, await addresses.RecentAsync(Who, ct), forwarded));
    }

    [HttpPost("")]
    [RequestSizeLimit(64 * 1024 * 1024)]
    public async Task<IActionResult> Compose(ComposeForm form, CancellationToken ct)
    {
        var from = await addresses.FromChoicesAsync(Who, ct);
        var validation = await validator.ValidateAsync(form, ct);
        foreach (var e in validation.Errors) ModelState.AddModelError(e.PropertyName, e.ErrorMessage);
        if (validation.IsValid && !from.Contains(form.From!, StringComparer.OrdinalIgnoreCase))
            ModelState.AddModelError(nameof(form.From), "You may send only as your mailbox or an alias that reaches it.");
        if (!ModelState.IsValid) return await Again(form, from, ct);

        var outgoing = await ToOutgoingAsync(form, ct);
        if (form.IsDraft)
        {
            var (result, draftsFolder, draftUid) = await composer.SaveDraftAsync(Who, outgoing, ct);
            if (!result.Succeeded)
            {
                ModelState.AddModelError("", result.Message);
                return await Again(form, from, ct);
            }
            TempData["Success"] = result.Message;
            return draftUid is { } d ? Redirect($"/webmail/compose?mode=draft&folder={Uri.EscapeDataString(draftsFolder!)}&uid={d}") : Redirect("/webmail");
        }
        var sent = await composer.SendAsync(Who, outgoing, ct);
        if (!sent.Succeeded)
        {
            ModelState.AddModelError("", sent.Message);
            return await Again(form, from, ct);
        }
        TempData["Success"] = sent.Message;
        return Redirect("/webmail");
    }

    private async Task<IActionResult> Again(ComposeForm form, IReadOnlyList<string> from, CancellationToken ct) =>
        View(View_, new ComposePageModel(form, from, await addresses.RecentAsync(Who, ct), []));

    private static async Task<OutgoingMessage> ToOutgoingAsync(ComposeForm form, CancellationToken ct)
    {
        var attachments = new List<OutgoingAttachment>();
        foreach (var file in form.Attachments.Where(f => f.Length > 0))
        {
            using var buffer = new MemoryStream();
            await file.CopyToAsync(buffer, ct);
            attachments.Add(new OutgoingAttachment(Path.GetFileName(file.FileName), file.ContentType, buffer.ToArray()));
        }
        return new OutgoingMessage(form.From!, form.To ?? "", form.Cc ?? "", form.Bcc ?? "", form.Subject ?? "", form.Body ?? "", attachments,
            form.InReplyTo, form.References, form.Mode == ComposeMode.Draft ? null : form.SourceFolder, form.Mode == ComposeMode.Draft ? null : form.SourceUid,
            form.Mode == ComposeMode.Forward && form.ForwardAttachments, form.Mode is ComposeMode.Reply or ComposeMode.ReplyAll,
            form.Mode == ComposeMode.Draft ? form.DraftUid : null);
    }
}
