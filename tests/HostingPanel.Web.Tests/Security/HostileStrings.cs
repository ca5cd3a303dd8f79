using System.Text.Encodings.Web;
using static HostingPanel.Web.Tests.Api.Api;

namespace HostingPanel.Web.Tests.Security;

/// <summary>
/// Hostile strings planted through the API wherever the portal shows text that a client chose (mailcow
/// CVE-2026-40872/40873 class): names of resellers, customers and keys, mailbox display names, and therefore the
/// audit entries that name them. Each carries a tag so that a page can be searched for exactly this run's strings.
/// </summary>
public sealed record HostileStrings(string Tag, string Script, string Attribute, string ResellerId, string CustomerId, string Domain, string Mailbox)
{
    public static async Task<HostileStrings> PlantAsync(HttpClient admin)
    {
        var tag = "x" + Guid.NewGuid().ToString("N")[..8];
        var script = $"<script>window.__xss='{tag}';alert('{tag}')</script>";
        var attribute = $"\"><img src=x onerror=\"window.__xss='{tag}';alert('{tag}')\">";
        var reseller = await CreatedAsync(admin, "/api/v1/resellers", new
        {
            name = $"{script} {tag}", email = $"r-{tag}@hostile.example", password = MatrixWorld.Password,
            limits = new { maxCustomers = 5, maxDomains = 5, maxMailboxes = 5, diskQuotaMb = 1000 },
        });
        var customer = await CreatedAsync(admin, "/api/v1/customers", new
        {
            name = $"{attribute} {tag}", email = $"c-{tag}@hostile.example", password = MatrixWorld.Password, resellerId = reseller["id"]!.GetValue<string>(),
            limits = new { maxDomains = 1, maxMailboxes = 2, diskQuotaMb = 100 },
        });
        var domain = $"{tag}.hostile.example";
        await CreatedAsync(admin, "/api/v1/domains", new { name = domain, customerId = customer["id"]!.GetValue<string>() });
        await CreatedAsync(admin, $"/api/v1/domains/{domain}/mailboxes", new { localPart = "victim", password = MatrixWorld.Password, quotaMb = 10, displayName = $"{attribute} {script}" });
        await CreatedAsync(admin, "/api/v1/apikeys", new { name = $"{script} {tag}", userEmail = $"c-{tag}@hostile.example" });
        return new HostileStrings(tag, script, attribute, reseller["id"]!.GetValue<string>(), customer["id"]!.GetValue<string>(), domain, "victim");
    }

    /// <summary>Pages an admin sees them on (lists, detail pages, audit log, and search boxes that echo the query).</summary>
    public IReadOnlyList<string> AdminPages() =>
    [
        $"/resellers?q={Tag}", $"/resellers/{ResellerId}", $"/customers?q={Tag}", $"/customers/{CustomerId}",
        $"/domains?q={Tag}", $"/domains/{Domain}", $"/domains/{Domain}/mailboxes/{Mailbox}", $"/apikeys?q={Tag}",
        $"/audit?EntityKey={Tag}", $"/search?q={Uri.EscapeDataString(Attribute)}", $"/customers?q={Uri.EscapeDataString(Script)}",
    ];

    public static string Encoded(string text) => HtmlEncoder.Default.Encode(text);
}
