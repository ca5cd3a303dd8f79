using System.Text.Json;
using FluentValidation;
using HostingPanel.Application.Mailboxes;
using HostingPanel.Data.Identity;
using HostingPanel.Web.Features.Shared;
using HostingPanel.Web.Webmail;
using MailKit;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc;

namespace HostingPanel.Web.Features.Webmail;

/// <summary>Webmail's folder and list pages, the changes made from the list, and the new-mail event stream.</summary>
[Route("webmail"), RolesOr404(Roles.MailboxUser), WebmailSession]
public sealed class WebmailController(
    WebmailFolders folders, WebmailListing listing, WebmailActions actions, WebmailWatcher watcher, MailboxService mailboxes, MailboxActivityService activityService,
    IValidator<ListParameters> listValidator, IValidator<MessageActionForm> actionValidator, IValidator<FolderForm> folderValidator,
    ILogger<WebmailController> logger) : Controller
{
    private WebmailCredentials Who => WebmailSessionAttribute.Of(HttpContext);

    [HttpGet("")]
    public async Task<IActionResult> Index(ListParameters p, CancellationToken ct)
    {
        if (!(await listValidator.ValidateAsync(p, ct)).IsValid) return BadRequest();
        try
        {
            var overview = await folders.OverviewAsync(Who, ct);
            var list = await listing.PageAsync(Who, p.ToQuery(), ct);
            var own = await mailboxes.GetOwnAsync(ct);
            var activity = own.Value is { Pop3Enabled: true } ? (await activityService.GetOwnAsync(ct)).Value : null;
            return View("~/Features/Webmail/Index.cshtml", new WebmailPage(Who.Address, overview, list, own.Value?.Pop3Enabled ?? false, activity));
        }
        catch (FolderNotFoundException) { return NotFound(); }
    }

    /// <summary>The list alone, for the page's refresh when new mail arrives.</summary>
    [HttpGet("list")]
    public async Task<IActionResult> List(ListParameters p, CancellationToken ct)
    {
        if (!(await listValidator.ValidateAsync(p, ct)).IsValid) return BadRequest();
        try { return PartialView("~/Features/Webmail/_MessageList.cshtml", await listing.PageAsync(Who, p.ToQuery(), ct)); }
        catch (FolderNotFoundException) { return NotFound(); }
    }

    /// <summary>The folder list alone (counts and quota), for the same refresh.</summary>
    [HttpGet("folders")]
    public async Task<IActionResult> Folders(string? folder, CancellationToken ct)
    {
        ViewData["Current"] = folder ?? ImapFolders.Inbox;
        return PartialView("~/Features/Webmail/_Folders.cshtml", await folders.OverviewAsync(Who, ct));
    }

    [HttpPost("messages")]
    public async Task<IActionResult> Messages(MessageActionForm form, CancellationToken ct)
    {
        var validation = await actionValidator.ValidateAsync(form, ct);
        var result = validation.IsValid
            ? await actions.ApplyAsync(Who, form.Folder!, form.Uids, form.Action!.Value, form.Target, ct)
            : WebmailResult.Error(validation.Errors[0].ErrorMessage);
        return Back(result, form.Back, form.Folder);
    }

    [HttpPost("trash/empty")]
    public async Task<IActionResult> EmptyTrash(CancellationToken ct)
    {
        var result = await actions.EmptyTrashAsync(Who, ct);
        return Back(result, null, null);
    }

    [HttpPost("folders/create")]
    public async Task<IActionResult> CreateFolder(FolderForm form, CancellationToken ct)
    {
        var validation = await folderValidator.ValidateAsync(form, ct);
        var result = validation.IsValid ? await folders.CreateAsync(Who, form.Parent, form.Name!, ct) : WebmailResult.Error(validation.Errors[0].ErrorMessage);
        return Back(result, null, form.Parent);
    }

    [HttpPost("folders/rename")]
    public async Task<IActionResult> RenameFolder(FolderForm form, CancellationToken ct)
    {
        var validation = await folderValidator.ValidateAsync(form, ct);
        if (string.IsNullOrEmpty(form.Path)) return BadRequest();
        var result = validation.IsValid ? await folders.RenameAsync(Who, form.Path, form.Name!, ct) : WebmailResult.Error(validation.Errors[0].ErrorMessage);
        return Back(result, null, result.Succeeded ? null : form.Path);
    }

    [HttpPost("folders/delete")]
    public async Task<IActionResult> DeleteFolder(FolderForm form, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(form.Path) || form.Path.Length > 500) return BadRequest();
        var result = await folders.DeleteAsync(Who, form.Path, ct);
        return Back(result, null, result.Succeeded ? null : form.Path);
    }

    /// <summary>
    /// Server-Sent Events: "changed" whenever the folder's message count changes (IMAP IDLE on a pooled
    /// connection), a comment every idle window to keep proxies from closing the stream.
    /// </summary>
    [HttpGet("events")]
    [WebmailLongLived]
    public async Task Events(string? folder, int? known, CancellationToken ct)
    {
        folder = string.IsNullOrEmpty(folder) ? ImapFolders.Inbox : folder;
        Response.ContentType = "text/event-stream";
        Response.Headers.CacheControl = "no-cache";
        HttpContext.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        await Response.WriteAsync("retry: 3000\n: watching\n\n", ct);
        await Response.Body.FlushAsync(ct);
        while (!ct.IsCancellationRequested)
        {
            string message;
            try
            {
                var (changed, count) = await watcher.WaitForChangeAsync(Who, folder, known, ct);
                known = count;
                message = changed ? $"event: changed\ndata: {JsonSerializer.Serialize(folder)}\n\n" : ": still watching\n\n";
            }
            catch (OperationCanceledException) { return; }
            catch (FolderNotFoundException) { return; }
            catch (Exception e) when (ImapConnectionPool.IsConnectionLost(e) || e is MailKit.Security.AuthenticationException or MailKit.Net.Imap.ImapCommandException)
            {
                // The browser reconnects after "retry"; a short pause keeps a failing server from being hammered.
                logger.LogInformation(e, "Webmail event stream for {Address} ended", Who.Address);
                return;
            }
            try
            {
                await Response.WriteAsync(message, ct);
                await Response.Body.FlushAsync(ct);
            }
            catch (OperationCanceledException) { return; }
        }
    }

    private RedirectResult Back(WebmailResult result, string? back, string? folder)
    {
        TempData[result.Succeeded ? "Success" : "WebmailError"] = result.Message;
        var query = back is { Length: > 0 } && back.StartsWith("folder=", StringComparison.Ordinal) && !back.Contains("//", StringComparison.Ordinal) ? back
            : folder is { Length: > 0 } ? "folder=" + Uri.EscapeDataString(folder) : "";
        return Redirect("/webmail" + (query.Length > 0 ? "?" + query : ""));
    }
}
