using System.Net;
using System.Text.RegularExpressions;
using HostingPanel.Testing;
using HostingPanel.Web.Tests.Infrastructure;

namespace HostingPanel.Web.Tests.Portal;

/// <summary>
/// Issue 10 item 4 on the portal: a failed sign-in of an existing portal user or mailbox owner and of an
/// unknown address take the same time (medians within 20 %) and show the same message. The throttle is
/// raised out of the way (<see cref="UnthrottledPanelHostFixture"/>); it has its own tests
/// (<see cref="PortalThrottleTests"/>, and Accounts/SignInSecurityTests: per client, never per account).
/// </summary>
[Collection(HostingPanel.Testing.ResponseTimingCollection.Name)]
public sealed partial class PortalLoginSecurityTests(UnthrottledPanelHostFixture host) : IClassFixture<UnthrottledPanelHostFixture>
{
    private const string WrongPassword = "definitely-not-it";

    [Fact]
    public async Task FailedSignIn_TakesTheSameTime_AndShowsTheSameMessage_ForPortalUsers_MailboxOwners_AndUnknownAddresses()
    {
        var tag = Guid.NewGuid().ToString("N")[..8];
        using var admin = await PortalSession.AdminAsync(host);
        var portalUsers = new List<string>();
        for (var i = 0; i < 14; i++)
        {
            var email = $"timing{i}-{tag}@customers.example";
            await PortalSetupSteps.CreateCustomerAsync(admin, $"Timing {i} {tag}", email, domains: 1, mailboxes: 20);
            portalUsers.Add(email);
        }
        using var owner = await PortalSession.SignInAsync(host, portalUsers[0], PortalSetupSteps.Password);
        await PortalSetupSteps.CreateDomainAsync(owner, $"t{tag}.example");
        var mailboxOwners = new List<string>();
        for (var i = 0; i < 14; i++)
        {
            await PortalSetupSteps.CreateMailboxAsync(owner, $"t{tag}.example", $"box{i}", quotaMb: 10);
            mailboxOwners.Add($"box{i}@t{tag}.example");
        }

        foreach (var existing in new[] { portalUsers, mailboxOwners })
        {
            var used = 0;
            var figures = await ResponseTimeComparison.AssertIndistinguishableAsync(
                known => AttemptAsync(known ? existing[used++ / 4] : $"nobody-{Guid.NewGuid():N}@customers.example", WrongPassword),
                trials: 12);
            Assert.Equal("The email or password is not right.", (await AttemptAsync(existing[^1], WrongPassword)).Reply);
            TestContext.Current.TestOutputHelper?.WriteLine($"PORTAL-TIMING {(existing == portalUsers ? "portal user" : "mailbox owner")}: {figures}");
        }
    }

    private async Task<(TimeSpan Elapsed, string Reply)> AttemptAsync(string email, string password)
    {
        var (elapsed, reply, status) = await PostAsync(email, password);
        Assert.Equal(HttpStatusCode.OK, status);
        return (elapsed, reply);
    }

    /// <summary>Loads the form (untimed), then times only the POST that carries the password.</summary>
    private async Task<(TimeSpan Elapsed, string Reply, HttpStatusCode Status)> PostAsync(string email, string password)
    {
        using var client = host.CreateClient();
        var page = await client.GetStringAsync("/account/login", PortalSession.Ct);
        var token = WebUtility.HtmlDecode(TokenRegex().Match(page).Groups[1].Value);
        var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Email"] = email, ["Password"] = password, ["__RequestVerificationToken"] = token,
        });
        var clock = System.Diagnostics.Stopwatch.StartNew();
        using var response = await client.PostAsync("/account/login", form, PortalSession.Ct);
        var html = await response.Content.ReadAsStringAsync(PortalSession.Ct);
        var elapsed = clock.Elapsed;
        var error = ErrorRegex().Match(html);
        return (elapsed, error.Success ? WebUtility.HtmlDecode(error.Groups[1].Value).Trim() : "", response.StatusCode);
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex TokenRegex();

    [GeneratedRegex(@"validation-summary-errors[^>]*>\s*<ul>\s*<li>([^<]+)</li>")]
    private static partial Regex ErrorRegex();
}

/// <summary>The portal with the per-address and per-IP sign-in throttle raised out of the way (many failures from one test client).</summary>
public sealed class UnthrottledPanelHostFixture : PanelHostFixture
{
    protected override IEnumerable<KeyValuePair<string, string>> ExtraSettings() =>
        [.. base.ExtraSettings(), new("Mail:Auth:MaxFailuresPerIp", "1000000"), new("Mail:Auth:MaxFailuresPerAddress", "1000000")];
}

/// <summary>The portal with a low per-IP limit (6 failures), to prove the throttle.</summary>
public sealed class LowThrottlePanelHostFixture : PanelHostFixture
{
    protected override IEnumerable<KeyValuePair<string, string>> ExtraSettings() =>
        [.. base.ExtraSettings(), new("Mail:Auth:MaxFailuresPerIp", "6")];
}

/// <summary>
/// Issue 10 item 4, portal throttling per client IP (the engine's LoginThrottle, shared with IMAP, POP3
/// and SMTP): one wrong password sprayed over many addresses never reaches any account's lockout, so
/// the IP is throttled; then even a right password from that client is refused.
/// </summary>
public sealed class PortalThrottleTests(LowThrottlePanelHostFixture host) : IClassFixture<LowThrottlePanelHostFixture>
{
    [Fact]
    public async Task SprayOverManyAddresses_FromOneClient_IsCutOff_EvenForTheRightPassword()
    {
        var tag = Guid.NewGuid().ToString("N")[..8];
        var email = $"sprayed-{tag}@customers.example";
        using (var admin = await PortalSession.AdminAsync(host))
            await PortalSetupSteps.CreateCustomerAsync(admin, $"Sprayed {tag}", email);
        using var anonymous = new PortalSession(host.CreateClient());
        for (var i = 0; i < 6; i++)
        {
            var failed = await anonymous.PostFormAsync("/account/login", "/account/login", new() { ["Email"] = $"spray{i}-{tag}@customers.example", ["Password"] = "Summer2026!" });
            Assert.Contains("The email or password is not right.", await failed.Content.ReadAsStringAsync(PortalSession.Ct));
        }
        var refused = await anonymous.PostFormAsync("/account/login", "/account/login", new() { ["Email"] = email, ["Password"] = PortalSetupSteps.Password });
        Assert.Equal(HttpStatusCode.OK, refused.StatusCode); // the form again, no sign-in redirect
        Assert.Contains("Too many failed attempts", await refused.Content.ReadAsStringAsync(PortalSession.Ct));
    }
}
