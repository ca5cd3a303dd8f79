using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using HostingPanel.Web.Tests.Infrastructure;
using HostingPanel.Web.Tests.Operations;
using MailKit.Net.Smtp;
using MailKit.Security;

namespace HostingPanel.Web.Tests.Deliverability;

/// <summary>The product with a sending limit of two outside messages per mailbox and hour, relaying to a server of the test's own.</summary>
public sealed class SendingHoldHostFixture : MailHostFixture
{
    public RemoteSmtpServer Remote { get; } = new();

    protected override IEnumerable<KeyValuePair<string, string>> ExtraSettings() => base.ExtraSettings().Concat(
    [
        new("Mail:Relay:Host", "127.0.0.1"),
        new("Mail:Relay:Port", Remote.Port.ToString()),
        new("Mail:Relay:Security", "None"),
        new("Mail:SendLimits:MessagesPerHourPerMailbox", "2"),
    ]);
}

/// <summary>
/// A stolen password, end to end: real SMTP submission past the hourly limit gets 451 4.7.1, staff see the hold in
/// <c>GET /api/v1/sending-holds</c> and on the queue page, the owner's portal says so, and a release lets the mailbox send again.
/// A customer's key does not see the route at all (404).
/// </summary>
public sealed class SendingHoldApiTests(SendingHoldHostFixture host) : IClassFixture<SendingHoldHostFixture>
{
    private const string Domain = "limited.example";
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<string?> SubmitAsync(string from, string to)
    {
        using var smtp = new SmtpClient();
        await smtp.ConnectAsync("127.0.0.1", host.Port("submission"), SecureSocketOptions.None, Ct);
        await smtp.AuthenticateAsync(from, MailWorld.Password, Ct);
        try
        {
            await smtp.SendAsync(MailWorld.Message(from, to, "hello"), Ct);
            return null;
        }
        catch (SmtpCommandException e)
        {
            return $"{(int)e.StatusCode} {e.Message}";
        }
        finally
        {
            await smtp.DisconnectAsync(true, Ct);
        }
    }

    [Fact]
    public async Task PastTheLimit_Submission451_StaffSeeAndReleaseTheHold_CustomersGet404()
    {
        await MailWorld.CustomerWithDomainAsync(host, Domain, Ct);
        await MailWorld.MailboxAsync(host, Domain, "stolen", ct: Ct);
        var address = $"stolen@{Domain}";

        Assert.Null(await SubmitAsync(address, "one@remote.example"));
        Assert.Null(await SubmitAsync(address, "two@remote.example"));
        var refused = await SubmitAsync(address, "three@remote.example");
        Assert.NotNull(refused);
        Assert.StartsWith("451 4.7.1", refused);

        using var admin = host.CreateAdminApiClient();
        var holds = (await admin.GetFromJsonAsync<JsonObject>("/api/v1/sending-holds", Ct))!["items"]!.AsArray();
        var hold = Assert.Single(holds, h => h!["address"]!.GetValue<string>() == address)!;
        Assert.Contains("2 messages per hour", hold["reason"]!.GetValue<string>());

        // The customer who owns the mailbox: the staff route does not exist for it.
        var key = await admin.PostAsJsonAsync("/api/v1/apikeys", new { name = "customer", userEmail = $"owner@{Domain}" }, Ct);
        Assert.Equal(HttpStatusCode.Created, key.StatusCode);
        using var customer = host.CreateClient((await key.Content.ReadFromJsonAsync<JsonObject>(Ct))!["key"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.NotFound, (await customer.GetAsync("/api/v1/sending-holds", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await customer.PostAsync($"/api/v1/sending-holds/{address}/release", null, Ct)).StatusCode);
        Assert.Single((await admin.GetFromJsonAsync<JsonObject>("/api/v1/sending-holds", Ct))!["items"]!.AsArray(), h => h!["address"]!.GetValue<string>() == address);

        Assert.Equal(HttpStatusCode.NoContent, (await admin.PostAsync($"/api/v1/sending-holds/{address}/release", null, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.PostAsync($"/api/v1/sending-holds/{address}/release", null, Ct)).StatusCode);
        Assert.DoesNotContain((await admin.GetFromJsonAsync<JsonObject>("/api/v1/sending-holds", Ct))!["items"]!.AsArray(), h => h!["address"]!.GetValue<string>() == address);
        Assert.Null(await SubmitAsync(address, "four@remote.example"));
    }
}
