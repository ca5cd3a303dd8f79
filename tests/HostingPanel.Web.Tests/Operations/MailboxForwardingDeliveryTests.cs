using System.Net.Http.Json;
using System.Text.Json.Nodes;
using HostingPanel.Web.Tests.Infrastructure;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Security;
using static HostingPanel.Web.Tests.Api.Api;

namespace HostingPanel.Web.Tests.Operations;

/// <summary>The whole product with its outbound queue relaying to a server of the test's own.</summary>
public sealed class ForwardingHostFixture : MailHostFixture
{
    public RemoteSmtpServer Remote { get; } = new();

    protected override IEnumerable<KeyValuePair<string, string>> ExtraSettings() => base.ExtraSettings().Concat(
    [
        new("Mail:Relay:Host", "127.0.0.1"),
        new("Mail:Relay:Port", Remote.Port.ToString()),
        new("Mail:Relay:Security", "None"),
    ]);
}

/// <summary>
/// Forwarding set through PATCH .../mailboxes/{localPart} with a customer's key does what it says to real mail: sent over
/// SMTP to the MX listener, read back over IMAP, and relayed through the outbound queue to an outside server.
/// </summary>
public sealed class MailboxForwardingDeliveryTests(ForwardingHostFixture host) : IClassFixture<ForwardingHostFixture>
{
    private const string Domain = "forwarding.example";
    private const string Outside = "boss.private@outside.example";

    [Fact]
    public async Task ForwardTo_AndKeepCopy_SetThroughTheApi_ForwardRealMail_WithAndWithoutACopy()
    {
        await MailWorld.CustomerWithDomainAsync(host, Domain, Ct);
        await MailWorld.MailboxAsync(host, Domain, "boss", ct: Ct);
        await MailWorld.MailboxAsync(host, Domain, "assistant", ct: Ct);
        using var admin = host.CreateAdminApiClient();
        using var customer = host.CreateClient(await Api.ApiHostFixture.KeyForAsync(admin, $"owner@{Domain}"));
        var path = $"/api/v1/domains/{Domain}/mailboxes/boss";

        // 1. Forward-only to a colleague and to an outside address: the boss keeps nothing.
        await PatchAsync(customer, path, new { forwardTo = new[] { $"assistant@{Domain}", Outside }, keepCopy = false });
        await MailWorld.WaitResolvesAsync(host, $"boss@{Domain}", r => r.Mailboxes.All(m => m.Address != $"boss@{Domain}") && r.External.Count == 1, Ct);
        Assert.Null(await MailWorld.SendMxAsync(host, MailWorld.Message("someone@internet.example", $"boss@{Domain}", "no copy"), Ct));
        await EventuallyAsync(async () => (await SubjectsAsync($"assistant@{Domain}")).Contains("no copy"), "the assistant gets the forwarded message");
        await EventuallyAsync(() => Task.FromResult(host.Remote.Received.Contains((Outside, "no copy"))), "the outside address gets it through the queue");
        Assert.DoesNotContain("no copy", await SubjectsAsync($"boss@{Domain}"));

        // 2. The same forwards with a copy kept.
        await PatchAsync(customer, path, new { keepCopy = true });
        await MailWorld.WaitResolvesAsync(host, $"boss@{Domain}", r => r.Mailboxes.Any(m => m.Address == $"boss@{Domain}"), Ct);
        Assert.Null(await MailWorld.SendMxAsync(host, MailWorld.Message("someone@internet.example", $"boss@{Domain}", "with copy"), Ct));
        await EventuallyAsync(async () => (await SubjectsAsync($"boss@{Domain}")).Contains("with copy"), "the boss keeps a copy");
        await EventuallyAsync(async () => (await SubjectsAsync($"assistant@{Domain}")).Contains("with copy"), "the assistant gets it too");
        await EventuallyAsync(() => Task.FromResult(host.Remote.Received.Contains((Outside, "with copy"))), "and the outside address");

        // 3. An empty list stops forwarding: only the boss gets mail again.
        var stopped = await PatchAsync(customer, path, new { forwardTo = Array.Empty<string>() });
        Assert.Empty(stopped["forwardTo"]!.AsArray());
        await MailWorld.WaitResolvesAsync(host, $"boss@{Domain}", r => r.Mailboxes.Count == 1 && r.External.Count == 0, Ct);
        Assert.Null(await MailWorld.SendMxAsync(host, MailWorld.Message("someone@internet.example", $"boss@{Domain}", "not forwarded"), Ct));
        await EventuallyAsync(async () => (await SubjectsAsync($"boss@{Domain}")).Contains("not forwarded"), "the boss gets it");
        // The assistant's INBOX and the outside server see no third message (the boss's delivery above was acknowledged after
        // every copy was stored, and the queue had relayed the earlier two).
        Assert.DoesNotContain("not forwarded", await SubjectsAsync($"assistant@{Domain}"));
        Assert.DoesNotContain(host.Remote.Received, r => r.Subject == "not forwarded");
    }

    private static async Task<JsonNode> PatchAsync(HttpClient client, string path, object body)
    {
        using var response = await client.PatchAsJsonAsync(path, body, Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.IsSuccessStatusCode, $"PATCH {path}: {(int)response.StatusCode} {text}");
        return JsonNode.Parse(text)!;
    }

    private async Task<IReadOnlyList<string>> SubjectsAsync(string address)
    {
        using var imap = new ImapClient();
        await imap.ConnectAsync("127.0.0.1", host.Port("imap"), SecureSocketOptions.None, Ct);
        await imap.AuthenticateAsync(address, MailWorld.Password, Ct);
        await imap.Inbox.OpenAsync(FolderAccess.ReadOnly, Ct);
        var subjects = imap.Inbox.Count == 0 ? [] : (await imap.Inbox.FetchAsync(0, -1, MessageSummaryItems.Envelope, Ct)).Select(m => m.Envelope?.Subject ?? "").ToList();
        await imap.DisconnectAsync(true, Ct);
        return subjects;
    }

    private static async Task EventuallyAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) Assert.Fail("Timed out waiting until " + what);
            await Task.Delay(100, Ct);
        }
    }
}
