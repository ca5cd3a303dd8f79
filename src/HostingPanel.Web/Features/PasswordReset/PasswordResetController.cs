using HostingPanel.Application.Users;
using HostingPanel.Web.Webmail;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;

namespace HostingPanel.Web.Features.PasswordReset;

/// <summary>
/// "Forgot password" for every portal login (mailbox owners too): ask for a link by mail, open it, choose a new
/// password. Anonymous pages; the answer to a request is the same whether the address has a login or not.
/// </summary>
[Route("account"), AllowAnonymous]
public sealed class PasswordResetController(PasswordResetByMail resets, ResetLinkBase linkBase) : Controller
{
    public const string SentMessage = "If that address has a login, a link to reset its password is on its way. It works once, for 30 minutes.";

    [HttpGet("forgot-password")]
    public IActionResult Forgot() => View(new ForgotPasswordForm());

    [HttpPost("forgot-password")]
    public async Task<IActionResult> Forgot(ForgotPasswordForm form, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(form.Email) || form.Email.Length > 320)
        {
            ModelState.AddModelError(nameof(form.Email), "Enter the address you sign in with.");
            return View(form);
        }
        await resets.RequestAsync(form.Email, linkBase.For(Request, "/account/reset-password"), ct);
        TempData["Success"] = SentMessage;
        return RedirectToAction(nameof(Forgot));
    }

    [HttpGet("reset-password")]
    public async Task<IActionResult> Reset(string? token, CancellationToken ct)
    {
        var login = await resets.LoginOfAsync(token, ct);
        return View(new ResetPasswordPage(new CompletePasswordResetInput { Token = token }, login));
    }

    [HttpPost("reset-password")]
    public async Task<IActionResult> Reset(CompletePasswordResetInput form, [FromServices] WebmailSessions webmail, [FromServices] ImapConnectionPool imapPool, CancellationToken ct)
    {
        var result = await resets.CompleteAsync(form, ct);
        if (result.Succeeded)
        {
            // A mailbox owner's webmail sessions hold the old password: they end with it.
            if (result.Value!.MailboxId is { } mailboxId)
            {
                webmail.CloseAllOf(mailboxId);
                imapPool.CloseMailbox(result.Value.Login);
            }
            TempData["Success"] = "Your password was changed. Sign in with the new one.";
            return Redirect("/account/login");
        }
        foreach (var (field, messages) in result.Failure!.Errors)
            foreach (var message in messages) ModelState.AddModelError(field == "Token" ? "" : field, message);
        var login = await resets.LoginOfAsync(form.Token, ct);
        return View(new ResetPasswordPage(new CompletePasswordResetInput { Token = form.Token }, login));
    }
}

public sealed class ForgotPasswordForm
{
    public string? Email { get; set; }
}

/// <summary>The reset page: <see cref="Login"/> is null when the link cannot be used (unknown, spent, or out of time).</summary>
public sealed record ResetPasswordPage(CompletePasswordResetInput Form, string? Login);
