using System.Diagnostics;
using System.Text.Json.Nodes;
using HostingPanel.Testing;
using static HostingPanel.Web.Tests.Api.Api;

namespace HostingPanel.Web.Tests.Domains;

/// <summary>
/// Issue 18.1: mail leaving through the outbound queue for a hosted domain is DKIM-signed (RSA-SHA256 and Ed25519-SHA256,
/// RFC 6376 / RFC 8463) with the domain's own keys, generated when it was added. Checked by an independent verifier
/// (Debian's python3-dkim) on the bytes a local relay received, with the public keys published by a real dnsmasq.
/// </summary>
public sealed class DkimSigningTests(DomainHostFixture host) : IClassFixture<DomainHostFixture>
{
    private static List<JsonObject> DkimRecords(JsonArray records) =>
        records.Select(r => r!.AsObject()).Where(r => r["name"]!.GetValue<string>().Contains("._domainkey.", StringComparison.Ordinal)).ToList();

    private async Task<(string Domain, HttpClient Api, List<JsonObject> Dkim)> SignedDomainAsync(string tag)
    {
        var customer = await host.CustomerAsync(tag);
        var api = host.CreateClient(customer.Key);
        var domain = Unique(tag) + ".example";
        await CreatedAsync(api, "/api/v1/domains", new { name = domain });
        using (var admin = host.CreateAdminApiClient())
            await OkAsync(admin, HttpMethod.Post, $"/api/v1/domains/{domain}/verify-by-hand");
        await host.MailboxAsync(api, $"sender@{domain}");
        List<JsonObject> dkim = [];
        await DomainHostFixture.EventuallyAsync(async () => (dkim = DkimRecords((await GetAsync(api, $"/api/v1/domains/{domain}/dns")).AsArray())).Count == 2,
            "the domain's two DKIM keys");
        return (domain, api, dkim);
    }

    [Fact]
    public async Task OutgoingMail_IsSignedWithRsaAndEd25519_AndVerifiesIndependently_OnlyWhileTheKeysArePublished()
    {
        host.RequireDns();
        var (domain, api, dkim) = await SignedDomainAsync("dkim");
        Assert.Contains(dkim, r => r["value"]!.GetValue<string>().StartsWith("v=DKIM1; k=rsa; p=", StringComparison.Ordinal));
        Assert.Contains(dkim, r => r["value"]!.GetValue<string>().StartsWith("v=DKIM1; k=ed25519; p=", StringComparison.Ordinal));
        Assert.All(dkim, r => Assert.Equal("missing", r["status"]!.GetValue<string>()));

        foreach (var r in dkim) host.Dns.SetTxt(r["name"]!.GetValue<string>(), r["value"]!.GetValue<string>());
        await host.Dns.PublishAsync();
        Assert.All(DkimRecords((await GetAsync(api, $"/api/v1/domains/{domain}/dns")).AsArray()), r => Assert.Equal("ok", r["status"]!.GetValue<string>()));

        await host.SubmitAsync($"sender@{domain}", "reader@elsewhere.example", "signed hello");
        var relayed = await host.Relay.WaitForAsync("reader@elsewhere.example");
        Assert.NotNull(relayed);
        var results = await DebianDkimVerifier.VerifyAsync(relayed.Data, host.Dns.Port);
        Assert.Equal(2, results.Count);
        Assert.Contains(results, l => l.StartsWith("rsa-sha256 ", StringComparison.Ordinal) && l.EndsWith(" pass", StringComparison.Ordinal));
        Assert.Contains(results, l => l.StartsWith("ed25519-sha256 ", StringComparison.Ordinal) && l.EndsWith(" pass", StringComparison.Ordinal));

        // The same bytes with the records withdrawn, or with the body touched, do not verify: the check can fail.
        Assert.Contains("signed hello", relayed.Data);
        var tampered = relayed.Data.Replace("signed hello", "signed HELLO", StringComparison.Ordinal);
        Assert.All(await DebianDkimVerifier.VerifyAsync(tampered, host.Dns.Port), l => Assert.EndsWith(" fail", l));
        foreach (var r in dkim) host.Dns.RemoveTxt(r["name"]!.GetValue<string>());
        await host.Dns.PublishAsync();
        Assert.All(await DebianDkimVerifier.VerifyAsync(relayed.Data, host.Dns.Port), l => Assert.EndsWith(" fail", l));
    }

    [Fact]
    public async Task Rotation_KeepsSigningWithTheOldKey_UntilTheNewRecordsAreInDns()
    {
        host.RequireDns();
        var (domain, api, oldKeys) = await SignedDomainAsync("rotate");
        var oldSelectors = oldKeys.Select(r => r["name"]!.GetValue<string>().Split('.')[0]).ToHashSet();
        foreach (var r in oldKeys) host.Dns.SetTxt(r["name"]!.GetValue<string>(), r["value"]!.GetValue<string>());
        await host.Dns.PublishAsync();

        var afterRotate = DkimRecords((await OkAsync(api, HttpMethod.Post, $"/api/v1/domains/{domain}/dkim/rotate")).AsArray());
        var newKeys = afterRotate.Where(r => !oldSelectors.Contains(r["name"]!.GetValue<string>().Split('.')[0])).ToList();
        Assert.Equal(2, newKeys.Count);
        Assert.All(newKeys, r => Assert.Contains("rotation", r["purpose"]!.GetValue<string>()));

        // New records not yet published: still signed with the old selectors.
        await host.SubmitAsync($"sender@{domain}", "before@elsewhere.example", "before the new records");
        var before = await host.Relay.WaitForAsync("before@elsewhere.example");
        Assert.NotNull(before);
        Assert.All(await DebianDkimVerifier.VerifyAsync(before.Data, host.Dns.Port), l => Assert.Contains(l.Split(' ')[1], oldSelectors));

        // Published: the next message carries the new selectors (the signer looks once per Mail:Dkim:RotationCheckInterval).
        foreach (var r in newKeys) host.Dns.SetTxt(r["name"]!.GetValue<string>(), r["value"]!.GetValue<string>());
        await host.Dns.PublishAsync();
        var clock = Stopwatch.StartNew();
        IReadOnlyList<string> verdict = [];
        for (var i = 0; clock.Elapsed < TimeSpan.FromSeconds(60); i++)
        {
            await host.SubmitAsync($"sender@{domain}", $"after{i}@elsewhere.example", "after the new records");
            var after = await host.Relay.WaitForAsync($"after{i}@elsewhere.example");
            verdict = await DebianDkimVerifier.VerifyAsync(after!.Data, host.Dns.Port);
            if (verdict.All(l => !oldSelectors.Contains(l.Split(' ')[1]))) break;
            await Task.Delay(TimeSpan.FromSeconds(1), Ct);
        }
        Assert.Equal(2, verdict.Count);
        Assert.All(verdict, l => Assert.EndsWith(" pass", l));
        Assert.All(verdict, l => Assert.DoesNotContain(l.Split(' ')[1], oldSelectors));
    }
}
