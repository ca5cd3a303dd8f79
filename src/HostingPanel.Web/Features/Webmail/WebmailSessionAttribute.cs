using HostingPanel.Web.Hosting;
using HostingPanel.Web.Webmail;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;

namespace HostingPanel.Web.Features.Webmail;

/// <summary>
/// Webmail pages need a webmail session of the signed-in mailbox (its password is needed for IMAP and
/// submission, and the portal cookie does not carry it). Without one, pages go to /webmail/login and
/// background requests (list refresh, events) get 401.
/// </summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class WebmailSessionAttribute : Attribute, IAsyncActionFilter
{
    public const string CookieName = "hp.webmail";
    private const string ItemKey = "hp.webmail.credentials";

    public async Task OnActionExecutionAsync(ActionExecutingContext context, ActionExecutionDelegate next)
    {
        var http = context.HttpContext;
        var sessions = http.RequestServices.GetRequiredService<WebmailSessions>();
        var mailboxId = HttpActorAccessor.FromPrincipal(http).MailboxId;
        var credentials = sessions.Find(http.Request.Cookies[CookieName], mailboxId, PortalSessionOf(http));
        if (credentials is null)
        {
            var background = http.Request.Headers.Accept.ToString().Contains("text/event-stream", StringComparison.Ordinal)
                || http.Request.Headers["X-Requested-With"] == "fetch";
            context.Result = background ? new UnauthorizedResult() : new RedirectResult("/webmail/login");
            return;
        }
        http.Items[ItemKey] = credentials;
        if (context.ActionDescriptor.EndpointMetadata.OfType<WebmailLongLivedAttribute>().Any())
        {
            await next();
            return;
        }
        var slots = http.RequestServices.GetRequiredService<WebmailRequestSlots>();
        if (!slots.TryEnter(credentials.MailboxId))
        {
            // Issue 16.9: a small cap per mailbox; beyond it the answer is at once, with the reason.
            http.Response.Headers.RetryAfter = "1";
            context.Result = new ObjectResult(new ProblemDetails
            {
                Status = StatusCodes.Status429TooManyRequests,
                Title = "Too many webmail requests at once",
                Detail = $"This mailbox already has {slots.Max} webmail requests running; wait for them to finish and try again.",
            }) { StatusCode = StatusCodes.Status429TooManyRequests };
            return;
        }
        try
        {
            await next();
        }
        finally
        {
            slots.Exit(credentials.MailboxId);
        }
    }

    public static WebmailCredentials Of(HttpContext http) => (WebmailCredentials)http.Items[ItemKey]!;

    /// <summary>The portal sign-in of the request (its session id claim): a webmail session lives inside one.</summary>
    public static string? PortalSessionOf(HttpContext http) =>
        http.User.FindFirst(HostingPanel.Application.Users.PortalSessionRegistry.SessionClaim)?.Value;
}
