using System.Net;
using System.Text.Json.Nodes;
using static HostingPanel.Web.Tests.Api.Api;

namespace HostingPanel.Web.Tests.Api;

/// <summary>
/// One bad input per validation rule: 400 problem+json naming the field (camelCase, nested with dots) with
/// the portal's own message, since both run the same FluentValidation validators.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class ApiValidationTests(ApiHostFixture host)
{
    private const string Pw = ApiHostFixture.Password;
    private const string PoolLimits = """{"maxCustomers":1,"maxDomains":1,"maxMailboxes":1,"diskQuotaMb":1}""";
    private const string PlanLimits = """{"maxDomains":1,"maxMailboxes":1,"diskQuotaMb":1}""";
    private static readonly string Long201 = new('a', 201);

    public static TheoryData<string, string, string, string, string> Rules => new()
    {
        // POST /resellers
        { "POST", "/api/v1/resellers", $$"""{"email":"r@x.example","password":"{{Pw}}","limits":{{PoolLimits}}}""", "name", "Enter a name." },
        { "POST", "/api/v1/resellers", $$"""{"name":"{{Long201}}","email":"r@x.example","password":"{{Pw}}","limits":{{PoolLimits}}}""", "name", "The name can have at most 200 characters." },
        { "POST", "/api/v1/resellers", $$"""{"name":"a\u0007b","email":"r@x.example","password":"{{Pw}}","limits":{{PoolLimits}}}""", "name", "The name cannot contain control characters." },
        { "POST", "/api/v1/resellers", $$"""{"name":"R","password":"{{Pw}}","limits":{{PoolLimits}}}""", "email", "Enter an address like name@example.com." },
        { "POST", "/api/v1/resellers", $$"""{"name":"R","email":"r..x@x.example","password":"{{Pw}}","limits":{{PoolLimits}}}""", "email", "Dots cannot start or end the part before the @, or follow each other." },
        { "POST", "/api/v1/resellers", $$"""{"name":"R","email":"r@x","password":"{{Pw}}","limits":{{PoolLimits}}}""", "email", "A domain name needs at least two labels, like example.com." },
        { "POST", "/api/v1/resellers", $$"""{"name":"R","email":"r@x.example","limits":{{PoolLimits}}}""", "password", "Enter a password." },
        { "POST", "/api/v1/resellers", $$"""{"name":"R","email":"r@x.example","password":"short","limits":{{PoolLimits}}}""", "password", "The password needs at least 10 characters." },
        { "POST", "/api/v1/resellers", $$"""{"name":"R","email":"r@x.example","password":"{{new string('p', 201)}}","limits":{{PoolLimits}}}""", "password", "The password can have at most 200 characters." },
        { "POST", "/api/v1/resellers", $$"""{"name":"R","email":"r@x.example","password":"long enough\u0000x","limits":{{PoolLimits}}}""", "password", "The password cannot contain control characters." },
        { "POST", "/api/v1/resellers", $$"""{"name":"R","email":"r@x.example","password":"{{Pw}}"}""", "limits", "Give the pool's limits." },
        { "POST", "/api/v1/resellers", $$"""{"name":"R","email":"r@x.example","password":"{{Pw}}","limits":{"maxCustomers":-1,"maxDomains":1,"maxMailboxes":1,"diskQuotaMb":1} }""", "limits.maxCustomers", "The number of customers must be between 0 and 1000000." },
        { "POST", "/api/v1/resellers", $$"""{"name":"R","email":"r@x.example","password":"{{Pw}}","limits":{"maxCustomers":1,"maxDomains":1000001,"maxMailboxes":1,"diskQuotaMb":1} }""", "limits.maxDomains", "The number of domains must be between 0 and 1000000." },
        { "POST", "/api/v1/resellers", $$"""{"name":"R","email":"r@x.example","password":"{{Pw}}","limits":{"maxCustomers":1,"maxDomains":1,"maxMailboxes":-5,"diskQuotaMb":1} }""", "limits.maxMailboxes", "The number of mailboxes must be between 0 and 1000000." },
        { "POST", "/api/v1/resellers", $$"""{"name":"R","email":"r@x.example","password":"{{Pw}}","limits":{"maxCustomers":1,"maxDomains":1,"maxMailboxes":1,"diskQuotaMb":-1} }""", "limits.diskQuotaMb", "The disk quota must be between 0 and 1073741824 MB." },
        // PATCH /resellers/{id}
        { "PATCH", "/api/v1/resellers/{reseller}", """{"name":""}""", "name", "Enter a name." },
        { "PATCH", "/api/v1/resellers/{reseller}", """{"limits":{"maxCustomers":1,"maxDomains":1,"maxMailboxes":1,"diskQuotaMb":-1}}""", "limits.diskQuotaMb", "The disk quota must be between 0 and 1073741824 MB." },
        // POST /customers and PATCH /customers/{id}
        { "POST", "/api/v1/customers", $$"""{"email":"c@x.example","password":"{{Pw}}","limits":{{PlanLimits}}}""", "name", "Enter a name." },
        { "POST", "/api/v1/customers", $$"""{"name":"C","email":"not-an-address","password":"{{Pw}}","limits":{{PlanLimits}}}""", "email", "Enter an address like name@example.com." },
        { "POST", "/api/v1/customers", $$"""{"name":"C","email":"c@x.example","password":"123","limits":{{PlanLimits}}}""", "password", "The password needs at least 10 characters." },
        { "POST", "/api/v1/customers", $$"""{"name":"C","email":"c@x.example","password":"{{Pw}}"}""", "limits", "Give the plan's limits." },
        { "POST", "/api/v1/customers", $$"""{"name":"C","email":"c@x.example","password":"{{Pw}}","limits":{"maxDomains":-1,"maxMailboxes":1,"diskQuotaMb":1} }""", "limits.maxDomains", "The number of domains must be between 0 and 1000000." },
        { "POST", "/api/v1/customers", $$"""{"name":"C","email":"c@x.example","password":"{{Pw}}","limits":{"maxDomains":1,"maxMailboxes":-1,"diskQuotaMb":1} }""", "limits.maxMailboxes", "The number of mailboxes must be between 0 and 1000000." },
        { "POST", "/api/v1/customers", $$"""{"name":"C","email":"c@x.example","password":"{{Pw}}","limits":{"maxDomains":1,"maxMailboxes":1,"diskQuotaMb":2000000000} }""", "limits.diskQuotaMb", "The disk quota must be between 0 and 1073741824 MB." },
        { "PATCH", "/api/v1/customers/{customer}", $$"""{"name":"{{Long201}}"}""", "name", "The name can have at most 200 characters." },
        { "PATCH", "/api/v1/customers/{customer}", """{"limits":{"maxDomains":1,"maxMailboxes":-1,"diskQuotaMb":1}}""", "limits.maxMailboxes", "The number of mailboxes must be between 0 and 1000000." },
        // POST /domains
        { "POST", "/api/v1/domains", """{"customerId":"{customer}"}""", "name", "Enter a domain name." },
        { "POST", "/api/v1/domains", """{"name":"my domain.example","customerId":"{customer}"}""", "name", "A domain name cannot contain spaces or control characters." },
        { "POST", "/api/v1/domains", """{"name":"localhost","customerId":"{customer}"}""", "name", "A domain name needs at least two labels, like example.com." },
        { "POST", "/api/v1/domains", """{"name":"a..example","customerId":"{customer}"}""", "name", "Each part of a domain name must have 1 to 63 characters." },
        { "POST", "/api/v1/domains", """{"name":"-bad.example","customerId":"{customer}"}""", "name", "A part of a domain name cannot start or end with a hyphen." },
        { "POST", "/api/v1/domains", """{"name":"under_score.example","customerId":"{customer}"}""", "name", "A domain name may contain only letters, digits and hyphens." },
        { "POST", "/api/v1/domains", """{"name":"example.123","customerId":"{customer}"}""", "name", "The last part of a domain name cannot be all digits." },
        { "POST", "/api/v1/domains", """{"name":"xn--a.example","customerId":"{customer}"}""", "name", "This is not a valid domain name." },
        { "POST", "/api/v1/domains", $$"""{"name":"{{new string('a', 64)}}.example","customerId":"{customer}"}""", "name", "Each part of a domain name must have 1 to 63 characters." },
        { "POST", "/api/v1/domains", """{"name":"owner-missing.example"}""", "customerId", "Choose the customer that owns the domain." },
        // POST /domains/{domain}/mailboxes
        { "POST", "/api/v1/domains/{domain}/mailboxes", $$"""{"password":"{{Pw}}","quotaMb":1}""", "localPart", "Enter the part before the @." },
        { "POST", "/api/v1/domains/{domain}/mailboxes", $$"""{"localPart":"{{new string('x', 65)}}","password":"{{Pw}}","quotaMb":1}""", "localPart", "The part before the @ can have at most 64 characters." },
        { "POST", "/api/v1/domains/{domain}/mailboxes", $$"""{"localPart":"john.","password":"{{Pw}}","quotaMb":1}""", "localPart", "Dots cannot start or end the part before the @, or follow each other." },
        { "POST", "/api/v1/domains/{domain}/mailboxes", $$"""{"localPart":"jo hn","password":"{{Pw}}","quotaMb":1}""", "localPart", "The character ' ' is not allowed before the @." },
        { "POST", "/api/v1/domains/{domain}/mailboxes", """{"localPart":"*","password":"correct-horse-battery","quotaMb":1}""", "localPart", "* is the catch-all; only an alias can have it." },
        { "POST", "/api/v1/domains/{domain}/mailboxes", """{"localPart":"john","quotaMb":1}""", "password", "Enter a password." },
        { "POST", "/api/v1/domains/{domain}/mailboxes", """{"localPart":"john","password":"short","quotaMb":1}""", "password", "The password needs at least 10 characters." },
        { "POST", "/api/v1/domains/{domain}/mailboxes", $$"""{"localPart":"john","password":"{{Pw}}","quotaMb":0}""", "quotaMb", "The quota must be at least 1 MB." },
        { "POST", "/api/v1/domains/{domain}/mailboxes", $$"""{"localPart":"john","password":"{{Pw}}","quotaMb":1048577}""", "quotaMb", "The quota can be at most 1048576 MB." },
        { "POST", "/api/v1/domains/{domain}/mailboxes", $$"""{"localPart":"john","password":"{{Pw}}","quotaMb":1,"displayName":"{{Long201}}"}""", "displayName", "The display name can have at most 200 characters." },
        { "POST", "/api/v1/domains/{domain}/mailboxes", $$"""{"localPart":"john","password":"{{Pw}}","quotaMb":1,"displayName":"a\nb"}""", "displayName", "The display name cannot contain control characters." },
        // PATCH /domains/{domain}/mailboxes/{localPart}
        { "PATCH", "/api/v1/domains/{domain}/mailboxes/{mailbox}", """{"password":"short"}""", "password", "The password needs at least 10 characters." },
        { "PATCH", "/api/v1/domains/{domain}/mailboxes/{mailbox}", """{"quotaMb":0}""", "quotaMb", "The quota must be at least 1 MB." },
        { "PATCH", "/api/v1/domains/{domain}/mailboxes/{mailbox}", """{"pop3RetentionDays":-1}""", "pop3RetentionDays", "Retention must be between 0 (keep forever) and 3650 days." },
        { "PATCH", "/api/v1/domains/{domain}/mailboxes/{mailbox}", """{"pop3RetentionDays":3651}""", "pop3RetentionDays", "Retention must be between 0 (keep forever) and 3650 days." },
        { "PATCH", "/api/v1/domains/{domain}/mailboxes/{mailbox}", $$"""{"displayName":"{{Long201}}"}""", "displayName", "The display name can have at most 200 characters." },
        // POST /domains/{domain}/aliases and PUT /domains/{domain}/aliases/{localPart}
        { "POST", "/api/v1/domains/{domain}/aliases", """{"destinations":["a@b.example"]}""", "localPart", "Enter the part before the @." },
        { "POST", "/api/v1/domains/{domain}/aliases", """{"localPart":"a@b","destinations":["a@b.example"]}""", "localPart", "The character '@' is not allowed before the @." },
        { "POST", "/api/v1/domains/{domain}/aliases", """{"localPart":"team","destinations":[]}""", "destinations", "Add at least one destination." },
        { "POST", "/api/v1/domains/{domain}/aliases", """{"localPart":"team"}""", "destinations", "Add at least one destination." },
        { "POST", "/api/v1/domains/{domain}/aliases", $$"""{"localPart":"team","destinations":[{{string.Join(",", Enumerable.Range(0, 101).Select(i => $"\"u{i}@b.example\""))}}]}""", "destinations", "An alias can have at most 100 destinations." },
        { "POST", "/api/v1/domains/{domain}/aliases", """{"localPart":"team","destinations":["ok@b.example","nobody"]}""", "destinations[1]", "Enter an address like name@example.com." },
        { "POST", "/api/v1/domains/{domain}/aliases", """{"localPart":"team","destinations":["ok@b.example",null]}""", "destinations[1]", "Enter an address like name@example.com." },
        { "POST", "/api/v1/domains/{domain}/aliases", """{"localPart":"loop","destinations":["loop@{domain}"]}""", "destinations", "An alias cannot deliver to itself." },
        { "PUT", "/api/v1/domains/{domain}/aliases/{alias}", """{"destinations":[]}""", "destinations", "Add at least one destination." },
        { "PUT", "/api/v1/domains/{domain}/aliases/{alias}", """{"destinations":["x@bad_domain.example"]}""", "destinations[0]", "A domain name may contain only letters, digits and hyphens." },
        { "PUT", "/api/v1/domains/{domain}/aliases/{alias}", """{"destinations":["{alias}@{domain}"]}""", "destinations", "An alias cannot deliver to itself." },
        // POST /apikeys
        { "POST", "/api/v1/apikeys", """{}""", "name", "Enter a key name." },
        { "POST", "/api/v1/apikeys", $$"""{"name":"{{Long201}}"}""", "name", "The key name can have at most 200 characters." },
        { "POST", "/api/v1/apikeys", """{"name":"k","userEmail":"nobody"}""", "userEmail", "Enter an address like name@example.com." },
        // Paging
        { "GET", "/api/v1/domains?page=0", "", "page", "The page must be a whole number from 1 to 1000000." },
        { "GET", "/api/v1/domains?page=two", "", "page", "The page must be a whole number from 1 to 1000000." },
        { "GET", "/api/v1/domains?page=2147483647&pageSize=500", "", "page", "The page must be a whole number from 1 to 1000000." },
        { "GET", "/api/v1/domains/{domain}/aliases?search=a%00b", "", "search", "The search text cannot contain control characters." },
        { "GET", "/api/v1/domains/{domain}/mailboxes?pageSize=501", "", "pageSize", "The page size must be a whole number from 1 to 500." },
        { "GET", "/api/v1/customers?pageSize=0", "", "pageSize", "The page size must be a whole number from 1 to 500." },
        { "GET", "/api/v1/customers?resellerId=abc", "", "resellerId", "The resellerId must be an id (a GUID)." },
        { "GET", "/api/v1/domains?customerId=abc", "", "customerId", "The customerId must be an id (a GUID)." },
        { "GET", $"/api/v1/apikeys?search={new string('s', 201)}", "", "search", "The search text can have at most 200 characters." },
        // Values of the wrong JSON type name the field too.
        { "POST", "/api/v1/domains/{domain}/mailboxes", """{"localPart":"john","password":"correct-horse-battery","quotaMb":"lots"}""", "quotaMb", "The value of 'quotaMb' must be a whole number." },
        { "PATCH", "/api/v1/domains/{domain}/mailboxes/{mailbox}", """{"enabled":"no"}""", "enabled", "The value of 'enabled' must be true or false." },
        { "POST", "/api/v1/domains", """{"name":"x.example","customerId":"not-a-guid"}""", "customerId", "The value of 'customerId' must be an id (a GUID string)." },
        { "POST", "/api/v1/resellers", """{"name":"R","limits":{"maxCustomers":1.5}}""", "limits.maxCustomers", "The value of 'limits.maxCustomers' must be a whole number." },
        { "POST", "/api/v1/domains/{domain}/aliases", """{"localPart":"a","destinations":"x@y.example"}""", "destinations", "The value of 'destinations' must be an array of strings." },
        { "POST", "/api/v1/domains/{domain}/aliases", """{"localPart":"a","destinations":[1]}""", "destinations[0]", "The value of 'destinations[0]' must be a string." },
        { "POST", "/api/v1/domains/{domain}/mailboxes", """{"localPart":"john","password":"correct-horse-battery","quotaMb":"5"}""", "quotaMb", "The value of 'quotaMb' must be a whole number." },
    };

    [Theory]
    [MemberData(nameof(Rules))]
    public async Task BadInput_Is400_NamingTheFieldWithThePortalsMessage(string method, string route, string body, string field, string message)
    {
        var t = host.A;
        string Fill(string s) => s.Replace("{reseller}", t.ResellerId).Replace("{customer}", t.CustomerId)
            .Replace("{domain}", t.Domain).Replace("{mailbox}", t.Mailbox).Replace("{alias}", t.Alias);
        // Admin for reseller routes; the reseller's key for the rest (the same validators either way).
        using var client = host.Client(route.Contains("/resellers", StringComparison.Ordinal) ? Infrastructure.PanelHostFixture.AdminApiKey : t.ResellerKey);
        using var request = new HttpRequestMessage(new HttpMethod(method), Fill(route));
        if (body.Length > 0) request.Content = new StringContent(Fill(body), System.Text.Encoding.UTF8, "application/json");
        using var response = await client.SendAsync(request, Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{method} {route}: {(int)response.StatusCode} {text}");
        var problem = AssertProblem(response, JsonNode.Parse(text), HttpStatusCode.BadRequest);
        Assert.Contains(message, Errors(problem, field));
    }
}
