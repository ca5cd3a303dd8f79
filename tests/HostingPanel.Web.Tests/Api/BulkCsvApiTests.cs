using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using HostingPanel.MailEngine.Auth;
using static HostingPanel.Web.Tests.Api.Api;

namespace HostingPanel.Web.Tests.Api;

/// <summary>POST /api/v1/domains/{domain}/import (dry run and real run) and GET .../export, over real HTTP.</summary>
[Collection(ApiCollection.Name)]
public sealed class BulkCsvApiTests(ApiHostFixture host)
{
    private const string MailboxHeader = "address,name,quotaMb,password,passwordHash,imap,pop3,forwardTo";

    /// <summary>A customer of its own (2 mailboxes left after "info" of 100 MB, 1,000 MB of disk) with one domain; its key.</summary>
    private async Task<(HttpClient Customer, string Domain)> NewCustomerAsync(int maxMailboxes = 3, long diskQuotaMb = 1000)
    {
        using var admin = host.CreateAdminApiClient();
        var email = Unique("bulk") + "@customers.example";
        var customer = await CreatedAsync(admin, "/api/v1/customers", new
        {
            name = "Bulk Customer", email, password = ApiHostFixture.Password,
            limits = new { maxDomains = 2, maxMailboxes, diskQuotaMb },
        });
        var domain = Unique("bulk") + ".example";
        await CreatedAsync(admin, "/api/v1/domains", new { name = domain, customerId = customer["id"]!.GetValue<string>() });
        await CreatedAsync(admin, $"/api/v1/domains/{domain}/mailboxes", new { localPart = "info", password = ApiHostFixture.Password, quotaMb = 100 });
        var key = await ApiHostFixture.KeyForAsync(admin, email);
        return (host.Client(key), domain);
    }

    private static async Task<(HttpStatusCode Status, JsonNode? Body, HttpResponseMessage Response)> PostCsvAsync(
        HttpClient client, string domain, string csv, bool dryRun, string contentType = "text/csv")
    {
        using var content = new ByteArrayContent(Encoding.UTF8.GetBytes(csv));
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        var response = await client.PostAsync($"/api/v1/domains/{domain}/import{(dryRun ? "?dryRun=true" : "")}", content, Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        return (response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text), response);
    }

    private static JsonObject Line(JsonNode result, int line) =>
        result["results"]!.AsArray().Single(r => r!["line"]!.GetValue<int>() == line)!.AsObject();

    private static string Action(JsonNode result, int line) => Line(result, line)["action"]!.GetValue<string>();

    [Fact]
    public async Task DryRun_SaysPerLineWhatWouldBeCreatedChangedOrRefused_WithPlanLimits_AndWritesNothing()
    {
        var (api, domain) = await NewCustomerAsync(maxMailboxes: 3, diskQuotaMb: 1000);
        using var client = api;
        var csv = $"""
            {MailboxHeader}
            anna@{domain},Anna,200,correct-horse-battery,,true,false,
            info@{domain},,300,,,,,
            bert@{domain},Bert,100,correct-horse-battery,,,,
            carl@{domain},Carl,100,correct-horse-battery,,,,
            dora@other.example,Dora,100,correct-horse-battery,,,,
            anna@{domain},Anna again,100,correct-horse-battery,,,,
            eve@{domain},Eve,10,short,,,,
            fred@{domain},Fred,notanumber,correct-horse-battery,,maybe,,
            """;
        var (status, result, _) = await PostCsvAsync(api, domain, csv, dryRun: true);
        Assert.True(status == HttpStatusCode.OK, result?.ToJsonString());
        Assert.True(result!["dryRun"]!.GetValue<bool>());
        Assert.Equal(8, result["results"]!.AsArray().Count);

        Assert.Equal("create", Action(result, 2));
        Assert.Equal("change", Action(result, 3));
        Assert.Contains("quota 100 -> 300 MB", Line(result, 3)["changes"]!.AsArray().Select(c => c!.GetValue<string>()));
        Assert.Equal("create", Action(result, 4));
        // The plan has 3 mailboxes: info and the two lines above take them all.
        Assert.Equal("refuse", Action(result, 5));
        Assert.Contains("The plan allows 3 mailboxes", Line(result, 5)["errors"]!["address"]![0]!.GetValue<string>());
        Assert.Equal($"The address is not in {domain}.", Line(result, 6)["errors"]!["address"]![0]!.GetValue<string>());
        Assert.Equal($"anna@{domain} is already on line 2 of this file.", Line(result, 7)["errors"]!["address"]![0]!.GetValue<string>());
        // The portal's own password message.
        Assert.Equal("The password needs at least 10 characters.", Line(result, 8)["errors"]!["password"]![0]!.GetValue<string>());
        var fred = Line(result, 9)["errors"]!.AsObject();
        Assert.Equal("The quota must be a whole number of MB.", fred["quotaMb"]![0]!.GetValue<string>());
        Assert.Equal("Write true or false.", fred["imap"]![0]!.GetValue<string>());
        Assert.Equal(2, result["summary"]!["create"]!.GetValue<int>());
        Assert.Equal(5, result["summary"]!["refuse"]!.GetValue<int>());

        // Nothing was written.
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(api, HttpMethod.Get, $"/api/v1/domains/{domain}/mailboxes/anna")).Status);
        Assert.Equal(100, (await GetAsync(api, $"/api/v1/domains/{domain}/mailboxes/info"))["quotaMb"]!.GetValue<int>());
    }

    [Fact]
    public async Task DryRun_DiskLimit_CountsTheQuotasOfTheLinesAbove()
    {
        var (api, domain) = await NewCustomerAsync(maxMailboxes: 10, diskQuotaMb: 1000);
        using var client = api;
        var csv = $"""
            {MailboxHeader}
            a1@{domain},,500,correct-horse-battery,,,,
            a2@{domain},,400,correct-horse-battery,,,,
            a3@{domain},,1,correct-horse-battery,,,,
            """;
        var (_, result, _) = await PostCsvAsync(api, domain, csv, dryRun: true);
        Assert.Equal("create", Action(result!, 2));
        Assert.Equal("create", Action(result!, 3));
        // 100 (info) + 500 + 400 = 1,000 MB: the plan is full.
        Assert.Equal("refuse", Action(result!, 4));
        Assert.Contains("MB", Line(result!, 4)["errors"]!["quotaMb"]![0]!.GetValue<string>());
    }

    [Fact]
    public async Task RealRun_AppliesTheLinesThroughTheServices_ProtocolsForwardsHashes()
    {
        var (api, domain) = await NewCustomerAsync(maxMailboxes: 5);
        using var client = api;
        var hash = DovecotPassword.HashSha512Crypt("imported-password-1");
        var csv = $"""
            {MailboxHeader}
            anna@{domain},Anna Berg,200,correct-horse-battery,,true,false,boss@elsewhere.example; anna.private@elsewhere.example
            bert@{domain},,50,,{hash},,,
            info@{domain},Info desk,,,,false,,
            =evil@{domain},,10,x,,,,
            """;
        var (status, result, _) = await PostCsvAsync(api, domain, csv, dryRun: false);
        Assert.True(status == HttpStatusCode.OK, result?.ToJsonString());
        Assert.False(result!["dryRun"]!.GetValue<bool>());
        Assert.Equal("create", Action(result, 2));
        Assert.Equal("create", Action(result, 3));
        Assert.Equal("change", Action(result, 4));
        Assert.Equal("refuse", Action(result, 5));

        var anna = await GetAsync(api, $"/api/v1/domains/{domain}/mailboxes/anna");
        Assert.Equal("Anna Berg", anna["displayName"]!.GetValue<string>());
        Assert.Equal(200, anna["quotaMb"]!.GetValue<int>());
        Assert.True(anna["imapEnabled"]!.GetValue<bool>());
        Assert.False(anna["pop3Enabled"]!.GetValue<bool>());
        Assert.Equal(["anna.private@elsewhere.example", "boss@elsewhere.example"], anna["forwardTo"]!.AsArray().Select(a => a!.GetValue<string>()).ToArray());
        Assert.Equal(50, (await GetAsync(api, $"/api/v1/domains/{domain}/mailboxes/bert"))["quotaMb"]!.GetValue<int>());
        var info = await GetAsync(api, $"/api/v1/domains/{domain}/mailboxes/info");
        Assert.Equal("Info desk", info["displayName"]!.GetValue<string>());
        Assert.False(info["imapEnabled"]!.GetValue<bool>());
        Assert.Equal(100, info["quotaMb"]!.GetValue<int>());

        // Running the same file again changes nothing more: created lines now exist, so they are changes or unchanged.
        var (_, again, _) = await PostCsvAsync(api, domain, csv.Replace(",correct-horse-battery,", ",,"), dryRun: true);
        Assert.Equal("unchanged", Action(again!, 2));
        Assert.Equal("unchanged", Action(again!, 3));
        Assert.Equal("unchanged", Action(again!, 4));
    }

    /// <summary>
    /// Regression (the import used to set forwards past the owner's rules): a forward-only mailbox whose forwards come back
    /// to it reaches nobody, so its mail would vanish. The dry run refuses what the saved state already makes a loop; the
    /// real run re-checks each line against the lines applied above it.
    /// </summary>
    [Fact]
    public async Task ForwardOnlyLoops_AreRefused_ByTheDryRunAndByTheRealRunLineByLine()
    {
        var (api, domain) = await NewCustomerAsync(maxMailboxes: 4);
        using var client = api;
        foreach (var name in new[] { "anna", "bert", "carl" })
        {
            await CreatedAsync(api, $"/api/v1/domains/{domain}/mailboxes", new { localPart = name, password = ApiHostFixture.Password, quotaMb = 10 });
            await OkAsync(api, HttpMethod.Patch, $"/api/v1/domains/{domain}/mailboxes/{name}",
                new { forwardTo = new[] { $"{name}@elsewhere.example" }, keepCopy = false });
        }
        await OkAsync(api, HttpMethod.Patch, $"/api/v1/domains/{domain}/mailboxes/carl", new { forwardTo = new[] { $"anna@{domain}" }, keepCopy = false });

        // anna -> carl -> anna, both forward-only: refused as the settings page refuses it, in the dry run already.
        var (status, dry, _) = await PostCsvAsync(api, domain, $"{MailboxHeader}\nanna@{domain},,,,,,,carl@{domain}\n", dryRun: true);
        Assert.True(status == HttpStatusCode.OK, dry?.ToJsonString());
        Assert.Equal("refuse", Action(dry!, 2));
        Assert.Equal(ForwardingRulesReachesNobody, Line(dry!, 2)["errors"]!["forwardTo"]![0]!.GetValue<string>());

        // Each line alone is fine against the saved state; together they make anna -> bert -> anna.
        var csv = $"{MailboxHeader}\nanna@{domain},,,,,,,bert@{domain}\nbert@{domain},,,,,,,anna@{domain}\n";
        var (_, plan, _) = await PostCsvAsync(api, domain, csv, dryRun: true);
        Assert.Equal("change", Action(plan!, 2));
        Assert.Equal("change", Action(plan!, 3));
        var (realStatus, real, _) = await PostCsvAsync(api, domain, csv, dryRun: false);
        Assert.True(realStatus == HttpStatusCode.OK, real?.ToJsonString());
        Assert.Equal("change", Action(real!, 2));
        Assert.Equal("refuse", Action(real!, 3));
        Assert.Equal(ForwardingRulesReachesNobody, Line(real!, 3)["errors"]!["forwardTo"]![0]!.GetValue<string>());

        var bert = await GetAsync(api, $"/api/v1/domains/{domain}/mailboxes/bert");
        Assert.Equal(["bert@elsewhere.example"], bert["forwardTo"]!.AsArray().Select(a => a!.GetValue<string>()).ToArray());
        var anna = await GetAsync(api, $"/api/v1/domains/{domain}/mailboxes/anna");
        Assert.Equal([$"bert@{domain}"], anna["forwardTo"]!.AsArray().Select(a => a!.GetValue<string>()).ToArray());
    }

    private const string ForwardingRulesReachesNobody = HostingPanel.Application.Mailboxes.ForwardingRules.ReachesNobody;

    [Fact]
    public async Task Aliases_CreateChangeCatchAll_AndAConflictWithAMailboxIsRefused()
    {
        var (api, domain) = await NewCustomerAsync();
        using var client = api;
        await CreatedAsync(api, $"/api/v1/domains/{domain}/aliases", new { localPart = "sales", destinations = new[] { $"info@{domain}" } });
        var csv = $"""
            alias,destinations
            sales@{domain},info@{domain} boss@elsewhere.example
            *@{domain},info@{domain}
            info@{domain},boss@elsewhere.example
            loop@{domain},loop@{domain}
            none@{domain},
            """;
        var (status, result, _) = await PostCsvAsync(api, domain, csv, dryRun: false);
        Assert.True(status == HttpStatusCode.OK, result?.ToJsonString());
        Assert.Equal("aliases", result!["kind"]!.GetValue<string>());
        Assert.Equal("change", Action(result, 2));
        Assert.Equal("create", Action(result, 3));
        Assert.Equal($"info@{domain} already exists.", Line(result, 4)["errors"]!["alias"]![0]!.GetValue<string>());
        Assert.Equal("An alias cannot deliver to itself.", Line(result, 5)["errors"]!["destinations"]![0]!.GetValue<string>());
        Assert.Equal("Add at least one destination.", Line(result, 6)["errors"]!["destinations"]![0]!.GetValue<string>());

        var sales = await GetAsync(api, $"/api/v1/domains/{domain}/aliases/sales");
        Assert.Equal(2, sales["destinations"]!.AsArray().Count);
        Assert.True((await GetAsync(api, $"/api/v1/domains/{domain}/aliases/*"))["isCatchAll"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Export_ProtectsFormulaCells_AndImportsBackUnchanged()
    {
        var (api, domain) = await NewCustomerAsync(maxMailboxes: 5);
        using var client = api;
        await OkAsync(api, HttpMethod.Patch, $"/api/v1/domains/{domain}/mailboxes/info", new { displayName = "=HYPERLINK(\"http://evil.example\",\"click\")" });
        await CreatedAsync(api, $"/api/v1/domains/{domain}/mailboxes", new { localPart = "-minus", password = ApiHostFixture.Password, quotaMb = 10, displayName = "@SUM(1+1)" });
        await CreatedAsync(api, $"/api/v1/domains/{domain}/aliases", new { localPart = "+plus", destinations = new[] { $"info@{domain}" } });

        using var response = await api.GetAsync($"/api/v1/domains/{domain}/export", Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType!.MediaType);
        var csv = await response.Content.ReadAsStringAsync(Ct);
        var lines = csv.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(MailboxHeader, lines[0]);
        // No cell starts with a formula character: each such cell is quoted and starts with an apostrophe.
        Assert.Contains("\"'-minus@", csv);
        Assert.Contains("\"'@SUM(1+1)\"", csv);
        Assert.Contains("\"'=HYPERLINK(", csv);
        foreach (var cell in lines.Skip(1).SelectMany(l => l.Split(',')))
            Assert.False(cell.Length > 0 && "=+-@".Contains(cell.TrimStart('"')[0]), $"formula cell {cell}");
        Assert.DoesNotContain("{ARGON2ID}", csv);

        var (_, back, _) = await PostCsvAsync(api, domain, csv, dryRun: true);
        Assert.All(back!["results"]!.AsArray(), r => Assert.Equal("unchanged", r!["action"]!.GetValue<string>()));

        using var aliasResponse = await api.GetAsync($"/api/v1/domains/{domain}/export?type=aliases", Ct);
        var aliasCsv = await aliasResponse.Content.ReadAsStringAsync(Ct);
        Assert.StartsWith("alias,destinations\r\n", aliasCsv);
        Assert.Contains($"\"'+plus@{domain}\"", aliasCsv);
        var (_, aliasesBack, _) = await PostCsvAsync(api, domain, aliasCsv, dryRun: true);
        Assert.All(aliasesBack!["results"]!.AsArray(), r => Assert.Equal("unchanged", r!["action"]!.GetValue<string>()));

        using var withHashes = await api.GetAsync($"/api/v1/domains/{domain}/export?includePasswordHashes=true", Ct);
        Assert.Contains("{ARGON2ID}$argon2id$", await withHashes.Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task HostileFiles_AreRefusedWhole_OrLineByLine()
    {
        var (api, domain) = await NewCustomerAsync();
        using var client = api;

        // Sent chunked, so that the server finds out while reading (a declared Content-Length over the limit is refused
        // before the upload, and the client may see the connection close before the answer).
        var huge = MailboxHeader + "\n" + string.Concat(Enumerable.Repeat($"x@{domain},{new string('a', 1000)},1,,,,,\n", 2040));
        using (var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/domains/{domain}/import?dryRun=true")
        {
            Content = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(huge))) { Headers = { ContentType = new MediaTypeHeaderValue("text/csv") } },
        })
        {
            request.Headers.TransferEncodingChunked = true;
            using var tooLarge = await api.SendAsync(request, Ct);
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooLarge.StatusCode);
            Assert.Equal("application/problem+json", tooLarge.Content.Headers.ContentType?.MediaType);
        }

        var manyLines = MailboxHeader + "\n" + string.Concat(Enumerable.Repeat("a,,,,,,,\n", 5001));
        var (status, problem, _) = await PostCsvAsync(api, domain, manyLines, dryRun: true);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, status);
        Assert.Contains("5000 lines", problem!["detail"]!.GetValue<string>());

        (status, _, _) = await PostCsvAsync(api, domain, MailboxHeader, dryRun: true, contentType: "application/json");
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, status);

        (status, problem, _) = await PostCsvAsync(api, domain, "email,pass\nx,y\n", dryRun: true);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("Unknown column 'email'", Errors(problem!.AsObject(), "file")[0]);

        (status, _, _) = await PostCsvAsync(api, domain, "", dryRun: true);
        Assert.Equal(HttpStatusCode.BadRequest, status);

        var malformed = $"""
            {MailboxHeader}
            ok@{domain},"Fine, really",10,correct-horse-battery,,,,
            bad@{domain},"unterminated,10,correct-horse-battery,,,,
            short@{domain},10
            q@{domain},a"b,10,correct-horse-battery,,,,
            """;
        (status, var result, _) = await PostCsvAsync(api, domain, malformed, dryRun: true);
        Assert.True(status == HttpStatusCode.OK, result?.ToJsonString());
        Assert.Equal("create", Action(result!, 2));
        Assert.Equal("refuse", Action(result!, 3));
        Assert.Equal("refuse", Action(result!, 4));
        Assert.Contains("the header has 8", Line(result!, 4)["errors"]!["line"]![0]!.GetValue<string>());
        Assert.Equal("refuse", Action(result!, 5));
    }

    [Fact]
    public async Task AnotherTenantsDomain_IsNotFound_ForImportAndExport()
    {
        var (api, _) = await NewCustomerAsync();
        using var __ = api;
        var (_, otherDomain) = await NewCustomerAsync();
        var (status, problem, response) = await PostCsvAsync(api, otherDomain, $"{MailboxHeader}\nx@{otherDomain},,10,correct-horse-battery,,,,\n", dryRun: true);
        Assert.Equal(HttpStatusCode.NotFound, status);
        AssertProblem(response, problem, HttpStatusCode.NotFound);
        (status, _, _) = await PostCsvAsync(api, otherDomain, $"{MailboxHeader}\nx@{otherDomain},,10,correct-horse-battery,,,,\n", dryRun: false);
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Equal(HttpStatusCode.NotFound, (await api.GetAsync($"/api/v1/domains/{otherDomain}/export", Ct)).StatusCode);
        using var admin = host.CreateAdminApiClient();
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(admin, HttpMethod.Get, $"/api/v1/domains/{otherDomain}/mailboxes/x")).Status);
    }
}
