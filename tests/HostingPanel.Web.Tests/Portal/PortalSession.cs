using System.Net;
using System.Text.RegularExpressions;
using HostingPanel.Web.Tests.Infrastructure;

namespace HostingPanel.Web.Tests.Portal;

/// <summary>A signed-in portal user over plain HTTP (cookies and antiforgery tokens like a browser), for tests where a browser adds nothing.</summary>
public sealed partial class PortalSession(HttpClient client) : IDisposable
{
    public HttpClient Client { get; } = client;

    public static async Task<PortalSession> SignInAsync(PanelHostFixture host, string email, string password)
    {
        var session = new PortalSession(host.CreateClient());
        var response = await session.PostFormAsync("/account/login", "/account/login", new() { ["Email"] = email, ["Password"] = password });
        Assert.True(response.StatusCode == HttpStatusCode.Redirect, $"sign-in of {email} failed: {response.StatusCode} {await response.Content.ReadAsStringAsync(PortalSession.Ct)}");
        return session;
    }

    public static Task<PortalSession> AdminAsync(PanelHostFixture host) => SignInAsync(host, PanelHostFixture.AdminEmail, PanelHostFixture.AdminPassword);

    /// <summary>Loads <paramref name="formPage"/> for its antiforgery token, then posts the fields to <paramref name="action"/>.</summary>
    public async Task<HttpResponseMessage> PostFormAsync(string formPage, string action, Dictionary<string, string> fields)
    {
        var page = await Client.GetStringAsync(formPage, Ct);
        var token = TokenRegex().Match(page);
        Assert.True(token.Success, $"no antiforgery token on {formPage}");
        fields["__RequestVerificationToken"] = WebUtility.HtmlDecode(token.Groups[1].Value);
        return await Client.PostAsync(action, new FormUrlEncodedContent(fields), Ct);
    }

    public async Task<HttpStatusCode> StatusOfAsync(string path) => (await Client.GetAsync(path, Ct)).StatusCode;

    public Task<string> GetStringAsync(string path) => Client.GetStringAsync(path, Ct);

    public static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => Client.Dispose();

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex TokenRegex();
}

/// <summary>Tenants set up through the portal itself.</summary>
public static class PortalSetupSteps
{
    public const string Password = "correct-horse-battery";

    public static async Task CreateCustomerAsync(PortalSession admin, string name, string email, int domains = 2, int mailboxes = 5, long diskMb = 1000, Guid? resellerId = null)
    {
        var fields = new Dictionary<string, string>
        {
            ["Name"] = name, ["Email"] = email, ["Password"] = Password,
            ["Limits.MaxDomains"] = domains.ToString(), ["Limits.MaxMailboxes"] = mailboxes.ToString(), ["Limits.DiskQuotaMb"] = diskMb.ToString(),
        };
        if (resellerId is { } r) fields["ResellerId"] = r.ToString();
        var response = await admin.PostFormAsync("/customers/new", "/customers/new", fields);
        Assert.True(response.StatusCode == HttpStatusCode.Redirect, await response.Content.ReadAsStringAsync(PortalSession.Ct));
    }

    public static async Task CreateDomainAsync(PortalSession customer, string domain)
    {
        var response = await customer.PostFormAsync("/domains/new", "/domains/new", new() { ["Name"] = domain });
        Assert.True(response.StatusCode == HttpStatusCode.Redirect, await response.Content.ReadAsStringAsync(PortalSession.Ct));
    }

    public static async Task CreateMailboxAsync(PortalSession customer, string domain, string localPart, string password = Password, long quotaMb = 100)
    {
        var response = await customer.PostFormAsync($"/domains/{domain}/mailboxes/new", $"/domains/{domain}/mailboxes/new",
            new() { ["LocalPart"] = localPart, ["Password"] = password, ["QuotaMb"] = quotaMb.ToString() });
        Assert.True(response.StatusCode == HttpStatusCode.Redirect, await response.Content.ReadAsStringAsync(PortalSession.Ct));
    }

    /// <summary>A customer with one domain, signed in.</summary>
    public static async Task<PortalSession> CustomerWithDomainAsync(PanelHostFixture host, PortalSession admin, string tag)
    {
        var email = $"{tag}@customers.example";
        await CreateCustomerAsync(admin, $"Customer {tag}", email);
        var customer = await PortalSession.SignInAsync(host, email, Password);
        await CreateDomainAsync(customer, $"{tag}.example");
        return customer;
    }
}
