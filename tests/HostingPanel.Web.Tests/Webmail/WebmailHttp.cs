using System.Net;
using AngleSharp.Dom;
using AngleSharp.Html.Parser;
using HostingPanel.Web.Tests.Portal;

namespace HostingPanel.Web.Tests.Webmail;

/// <summary>A webmail session over plain HTTP (cookies and antiforgery tokens as a browser has them), for tests where a browser adds nothing.</summary>
public sealed class WebmailHttp(PortalSession session) : IDisposable
{
    public PortalSession Session { get; } = session;

    public static async Task<WebmailHttp> SignInAsync(WebmailHostFixture host, string address)
    {
        var session = new PortalSession(host.CreateClient());
        var response = await session.PostFormAsync("/webmail/login", "/webmail/login", new() { ["Email"] = address, ["Password"] = WebmailHostFixture.Password });
        Assert.True(response.StatusCode == HttpStatusCode.Redirect, await response.Content.ReadAsStringAsync(PortalSession.Ct));
        return new WebmailHttp(session);
    }

    public async Task<IDocument> PageAsync(string path)
    {
        var response = await Session.Client.GetAsync(path, PortalSession.Ct);
        var html = await response.Content.ReadAsStringAsync(PortalSession.Ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {response.StatusCode}");
        return new HtmlParser().ParseDocument(html);
    }

    /// <summary>Posts a form found on <paramref name="page"/> (for its token); follows the redirect and returns the page it lands on.</summary>
    public async Task<IDocument> PostAsync(string page, string action, Dictionary<string, string> fields)
    {
        var response = await Session.PostFormAsync(page, action, fields);
        if (response.StatusCode == HttpStatusCode.Redirect) return await PageAsync(response.Headers.Location!.ToString());
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{action}: {response.StatusCode}");
        return new HtmlParser().ParseDocument(await response.Content.ReadAsStringAsync(PortalSession.Ct));
    }

    /// <summary>Posts with repeated fields (several selected messages).</summary>
    public async Task<IDocument> PostPairsAsync(string page, string action, List<KeyValuePair<string, string>> fields)
    {
        var html = await Session.GetStringAsync(page);
        var token = new HtmlParser().ParseDocument(html).QuerySelector("input[name=__RequestVerificationToken]")!.GetAttribute("value")!;
        fields.Add(new("__RequestVerificationToken", token));
        var response = await Session.Client.PostAsync(action, new FormUrlEncodedContent(fields), PortalSession.Ct);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        return await PageAsync(response.Headers.Location!.ToString());
    }

    public static IReadOnlyList<Row> Rows(IDocument page) => page.QuerySelectorAll("tr.message-row").Select(r => new Row(
        uint.Parse(r.GetAttribute("data-uid")!), r.QuerySelector("a.webmail-subject")!.TextContent.Trim().TrimStart('↳', ' '),
        r.GetAttribute("data-seen") == "true", r.GetAttribute("data-flagged") == "true", int.Parse(r.GetAttribute("data-depth")!),
        r.QuerySelector("[aria-label='Has attachments']") is not null)).ToList();

    public static string? Flash(IDocument page) => page.QuerySelector(".alert-success")?.TextContent.Trim() ?? page.QuerySelector(".alert-danger")?.TextContent.Trim();

    public void Dispose() => Session.Dispose();
}

public sealed record Row(uint Uid, string Subject, bool Seen, bool Flagged, int Depth, bool HasAttachments);
