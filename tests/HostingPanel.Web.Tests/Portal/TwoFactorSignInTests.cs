using System.Net;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using HostingPanel.Web.Tests.Infrastructure;

namespace HostingPanel.Web.Tests.Portal;

/// <summary>Item 10: TOTP two-factor sign-in for portal users (Identity's authenticator, RFC 6238).</summary>
public sealed partial class TwoFactorSignInTests(PanelHostFixture host) : IClassFixture<PanelHostFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>RFC 6238 TOTP with RFC 4226 dynamic truncation: HMAC-SHA1, 30-second steps, 6 digits.</summary>
    internal static string Totp(string base32Key, DateTimeOffset at)
    {
        var counter = at.ToUnixTimeSeconds() / 30;
        var message = new byte[8];
        for (var i = 7; i >= 0; i--) { message[i] = (byte)(counter & 0xff); counter >>= 8; }
        var hash = HMACSHA1.HashData(Base32Decode(base32Key), message);
        var offset = hash[^1] & 0x0f;
        var binary = ((hash[offset] & 0x7f) << 24) | (hash[offset + 1] << 16) | (hash[offset + 2] << 8) | hash[offset + 3];
        return (binary % 1_000_000).ToString("D6");
    }

    private static byte[] Base32Decode(string text)
    {
        const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        var bits = 0; var value = 0; var bytes = new List<byte>();
        foreach (var c in text.ToUpperInvariant().Where(c => c is not (' ' or '=')))
        {
            value = (value << 5) | Alphabet.IndexOf(c);
            bits += 5;
            if (bits >= 8) { bytes.Add((byte)(value >> (bits - 8))); bits -= 8; }
        }
        return [.. bytes];
    }

    [Fact]
    public void Totp_MatchesRfc6238_TestVector()
    {
        // RFC 6238 appendix B, SHA1, T = 59 s: 94287082 (8 digits), so 287082 with 6.
        var key = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"; // base32 of "12345678901234567890"
        Assert.Equal("287082", Totp(key, DateTimeOffset.FromUnixTimeSeconds(59)));
    }

    [Fact]
    public async Task EnableTwoFactor_ThenSignInNeedsTheCode_WrongCodeRefused_RecoveryCodeWorksOnce_LockoutApplies()
    {
        var tag = "tf" + Guid.NewGuid().ToString("N")[..6];
        var email = $"{tag}@customers.example";
        using (var admin = await PortalSession.AdminAsync(host))
            await PortalSetupSteps.CreateCustomerAsync(admin, $"Customer {tag}", email);

        string key, recoveryCode;
        using (var customer = await PortalSession.SignInAsync(host, email, PortalSetupSteps.Password))
        {
            var setup = await customer.GetStringAsync("/account/two-factor");
            Assert.Contains("src=\"data:image/svg+xml;base64,", setup);
            key = SharedKey().Match(setup).Groups[1].Value.Replace(" ", "");
            Assert.True(key.Length >= 16, "the shared key is shown");

            var wrong = await customer.PostFormAsync("/account/two-factor", "/account/two-factor/enable", new() { ["code"] = WrongCode(key) });
            Assert.Equal(HttpStatusCode.OK, wrong.StatusCode);
            Assert.Contains("The code is not right", await wrong.Content.ReadAsStringAsync(Ct));
            Assert.Contains("badge text-bg-secondary\">off", await customer.GetStringAsync("/account/two-factor"));

            var enabled = await customer.PostFormAsync("/account/two-factor", "/account/two-factor/enable", new() { ["code"] = Totp(key, DateTimeOffset.UtcNow) });
            Assert.Equal(HttpStatusCode.OK, enabled.StatusCode);
            var codes = RecoveryCode().Matches(await enabled.Content.ReadAsStringAsync(Ct)).Select(m => m.Groups[1].Value).ToList();
            Assert.Equal(10, codes.Count);
            recoveryCode = codes[0];
            // Still signed in in this browser after the security stamp changed.
            Assert.Contains("badge text-bg-success\">on", await customer.GetStringAsync("/account/two-factor"));

            var signOut = await customer.PostFormAsync("/account/two-factor", "/account/logout", []);
            Assert.Equal(HttpStatusCode.Redirect, signOut.StatusCode);
            Assert.Equal(HttpStatusCode.Redirect, await customer.StatusOfAsync("/domains"));
        }

        // The password alone is not enough any more.
        using (var second = new PortalSession(host.CreateClient()))
        {
            var afterPassword = await PasswordStepAsync(second, email);
            Assert.StartsWith("/account/two-factor-code", afterPassword);
            Assert.Equal(HttpStatusCode.Redirect, await second.StatusOfAsync("/domains"));

            var refused = await second.PostFormAsync(afterPassword, "/account/two-factor-code", new() { ["Code"] = WrongCode(key) });
            Assert.Equal(HttpStatusCode.OK, refused.StatusCode);
            Assert.Contains("The code is not right.", await refused.Content.ReadAsStringAsync(Ct));
            Assert.Equal(HttpStatusCode.Redirect, await second.StatusOfAsync("/domains"));

            var accepted = await second.PostFormAsync(afterPassword, "/account/two-factor-code", new() { ["Code"] = Totp(key, DateTimeOffset.UtcNow) });
            Assert.Equal(HttpStatusCode.Redirect, accepted.StatusCode);
            Assert.Equal(HttpStatusCode.OK, await second.StatusOfAsync("/domains"));
        }

        // A recovery code signs in once.
        using (var third = new PortalSession(host.CreateClient()))
        {
            var step = await PasswordStepAsync(third, email);
            Assert.Equal(HttpStatusCode.Redirect, (await third.PostFormAsync(step, "/account/two-factor-code", new() { ["Code"] = recoveryCode })).StatusCode);
            Assert.Equal(HttpStatusCode.OK, await third.StatusOfAsync("/domains"));
        }
        using (var fourth = new PortalSession(host.CreateClient()))
        {
            var step = await PasswordStepAsync(fourth, email);
            Assert.Equal(HttpStatusCode.OK, (await fourth.PostFormAsync(step, "/account/two-factor-code", new() { ["Code"] = recoveryCode })).StatusCode);

            // Wrong codes count toward lockout; once locked out, even the right code is refused.
            for (var i = 0; i < 5; i++) await fourth.PostFormAsync(step, "/account/two-factor-code", new() { ["Code"] = WrongCode(key) });
            var locked = await fourth.PostFormAsync(step, "/account/two-factor-code", new() { ["Code"] = Totp(key, DateTimeOffset.UtcNow) });
            Assert.Equal(HttpStatusCode.OK, locked.StatusCode);
            Assert.Contains("Too many failed attempts", await locked.Content.ReadAsStringAsync(Ct));
            Assert.Equal(HttpStatusCode.Redirect, await fourth.StatusOfAsync("/domains"));
        }
    }

    [Fact]
    public async Task TwoFactorPage_IsForPortalUsers_AndNeedsSignIn()
    {
        using var anonymous = host.CreateClient();
        var response = await anonymous.GetAsync("/account/two-factor", Ct);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Contains("/account/login", response.Headers.Location?.OriginalString);
        // The code step without a password step first goes back to the login page.
        var code = await anonymous.GetAsync("/account/two-factor-code", Ct);
        Assert.Equal(HttpStatusCode.Redirect, code.StatusCode);
    }

    private static async Task<string> PasswordStepAsync(PortalSession session, string email)
    {
        var response = await session.PostFormAsync("/account/login", "/account/login", new() { ["Email"] = email, ["Password"] = PortalSetupSteps.Password });
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        return response.Headers.Location!.OriginalString;
    }

    /// <summary>A code valid in none of the steps Identity accepts around now.</summary>
    private static string WrongCode(string key)
    {
        var valid = Enumerable.Range(-3, 7).Select(s => Totp(key, DateTimeOffset.UtcNow.AddSeconds(30 * s))).ToHashSet();
        var candidate = 0;
        while (valid.Contains(candidate.ToString("D6"))) candidate++;
        return candidate.ToString("D6");
    }

    [GeneratedRegex("<code id=\"shared-key\"[^>]*>([a-z0-9 ]+)</code>")]
    private static partial Regex SharedKey();

    [GeneratedRegex("<li class=\"list-group-item font-monospace\">([^<]+)</li>")]
    private static partial Regex RecoveryCode();
}
