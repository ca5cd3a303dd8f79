using HostingPanel.Web.Tests.Portal;

namespace HostingPanel.Web.Tests.Security;

/// <summary>Issue 10 item 7: strings from clients reach the portal's pages HTML-encoded, never as markup.</summary>
[Collection(SecurityCollection.Name)]
public sealed class OutputEncodingTests(MatrixWorld world)
{
    [Fact]
    public async Task HostileNames_AreEncoded_OnEveryPageThatShowsThem()
    {
        var hostile = await HostileStrings.PlantAsync(world.Admin);
        var admin = world.Portal(MatrixRole.Admin);
        foreach (var path in hostile.AdminPages())
        {
            var html = await admin.GetStringAsync(path);
            Assert.False(html.Contains(hostile.Script, StringComparison.Ordinal), $"{path} has the <script> payload as markup");
            Assert.False(html.Contains(hostile.Attribute, StringComparison.Ordinal), $"{path} has the attribute-breaking payload as markup");
            Assert.DoesNotContain($"onerror=\"window.__xss='{hostile.Tag}'", html);
            Assert.True(html.Contains(HostileStrings.Encoded(hostile.Script), StringComparison.Ordinal)
                || html.Contains(HostileStrings.Encoded(hostile.Attribute), StringComparison.Ordinal), $"{path} does not show the planted string (encoded)");
        }
    }

    [Fact]
    public async Task HostileNames_AreEncoded_ForTheTenantsThemselves()
    {
        var hostile = await HostileStrings.PlantAsync(world.Admin);
        using var customer = await PortalSession.SignInAsync(world, $"c-{hostile.Tag}@hostile.example", MatrixWorld.Password);
        foreach (var path in new[] { "/", $"/domains/{hostile.Domain}", $"/apikeys", "/audit" })
        {
            var html = await customer.GetStringAsync(path);
            Assert.DoesNotContain(hostile.Script, html);
            Assert.DoesNotContain(hostile.Attribute, html);
        }
        Assert.Contains(HostileStrings.Encoded(hostile.Attribute), await customer.GetStringAsync($"/domains/{hostile.Domain}"));
    }
}
