using System.Text.RegularExpressions;
using HostingPanel.Web.Tests.Portal;
using static HostingPanel.Web.Tests.Api.Api;

namespace HostingPanel.Web.Tests.Security;

/// <summary>Issue 3: the deleted-mailboxes and API-keys pages page and search on the server like every other list.</summary>
[Collection(SecurityCollection.Name)]
public sealed partial class ListPagingTests(MatrixWorld world)
{
    private const int Count = PortalControllerPageSize + 1;
    private const int PortalControllerPageSize = HostingPanel.Web.Features.Shared.PortalController.PageSize;

    [Fact]
    public async Task ApiKeysPage_PagesAndSearches()
    {
        var tag = world.Unique("pg");
        for (var i = 0; i < Count; i++)
            await CreatedAsync(world.Admin, "/api/v1/apikeys", new { name = $"{tag}-{i:00}", userEmail = world.A.CustomerEmail });

        var first = await world.Portal(MatrixRole.Customer).GetStringAsync($"/apikeys?q={tag}");
        Assert.Contains($"{Count} in total · page 1 of 2", first);
        Assert.Equal(PortalControllerPageSize, Rows(first, tag));
        var second = await world.Portal(MatrixRole.Customer).GetStringAsync($"/apikeys?q={tag}&page=2");
        Assert.Equal(1, Rows(second, tag));
        // A page number far past the end (its offset would overflow an int) shows an empty page, not an error.
        var farAway = await world.Portal(MatrixRole.Customer).Client.GetAsync($"/apikeys?q={tag}&page=100000000", TestContext.Current.CancellationToken);
        Assert.Equal(System.Net.HttpStatusCode.OK, farAway.StatusCode);
        Assert.Equal(0, Rows(await farAway.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), tag));
        // Support staff see only their own keys: the search finds none of the customer's.
        Assert.Equal(0, Rows(await world.Portal(MatrixRole.Support).GetStringAsync($"/apikeys?q={tag}"), tag));
    }

    [Fact]
    public async Task DeletedMailboxesPage_PagesAndSearches()
    {
        var tag = world.Unique("pg");
        for (var i = 0; i < Count; i++)
        {
            await CreatedAsync(world.Admin, $"/api/v1/domains/{world.A.Domain}/mailboxes", new { localPart = $"{tag}-{i:00}", password = MatrixWorld.Password, quotaMb = 1 });
            await SendAsync(world.Admin, HttpMethod.Delete, $"/api/v1/domains/{world.A.Domain}/mailboxes/{tag}-{i:00}");
        }
        var support = world.Portal(MatrixRole.Support);
        var first = await support.GetStringAsync($"/deleted-mailboxes?q={tag}");
        Assert.Contains($"{Count} in total · page 1 of 2", first);
        Assert.Equal(PortalControllerPageSize, Rows(first, tag));
        var second = await support.GetStringAsync($"/deleted-mailboxes?q={tag}&page=2");
        Assert.Equal(1, Rows(second, tag));
        Assert.Contains("0 in total", await support.GetStringAsync($"/deleted-mailboxes?q={tag}-none"));
    }

    /// <summary>Table rows naming the tag (each row names its item once in a cell).</summary>
    private static int Rows(string html, string tag) => Regex.Matches(html, $"<td>[^<]*{Regex.Escape(tag)}-\\d\\d").Count;
}
