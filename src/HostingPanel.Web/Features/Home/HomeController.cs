using Microsoft.AspNetCore.Mvc;

namespace HostingPanel.Web.Features.Home;

public sealed class HomeController : Controller
{
    [HttpGet("/")]
    public IActionResult Index() => View();

    [HttpGet("/error"), Microsoft.AspNetCore.Authorization.AllowAnonymous]
    public IActionResult Error() => Problem("Something went wrong on our side. It has been logged.");
}
