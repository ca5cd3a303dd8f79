using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using HostingPanel.Web.Tests.Infrastructure;
using MailKit.Net.Pop3;
using MailKit.Security;

namespace HostingPanel.Web.Tests.Provisioning;

/// <summary>The product killed (SIGKILL) while the worker provisions a batch: after a restart everything is active, once.</summary>
public sealed class WorkerKillTests : IDisposable
{
    private const string ApiKey = "hp_kill_test_key_0123456789abcdefghijklmnopq";
    private readonly string _data = Path.Combine(Path.GetTempPath(), "hp-kill", Guid.NewGuid().ToString("N"));
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task KilledInTheMiddleOfABatch_RestartFinishesIt_NothingLostNothingDoubled()
    {
        string[] Args() => ProductProcess.IsolatedArgs(_data, withMail: true)
            .Concat([$"--Bootstrap:ApiKey={ApiKey}", "--Mail:AllowPlaintextAuth=true", "--Provisioning:ReconcileStartDelay=01:00:00"])
            .ToArray();
        HttpClient Api(ProductProcess product)
        {
            var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{product.HttpPort}") };
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ApiKey);
            return client;
        }

        const int count = 12;
        await using (var first = ProductProcess.Start(Path.GetTempPath(), Args()))
        {
            Assert.True(await first.WaitUntilRunningAsync(ProductProcess.StartTimeout), first.Stdout + first.Stderr);
            using var firstApi = Api(first);
            var customer = await PostAsync(firstApi, "/api/v1/customers", new
            {
                name = "Killed", email = "owner@killed.example", password = "customer-password-1",
                limits = new { maxDomains = 1, maxMailboxes = count, diskQuotaMb = 1000 },
            });
            await PostAsync(firstApi, "/api/v1/domains", new { name = "killed.example", customerId = customer.GetProperty("id").GetString() });
            for (var i = 0; i < count; i++)
                await PostAsync(firstApi, "/api/v1/domains/killed.example/mailboxes", new { localPart = $"user{i}", password = "mailbox-password-1", quotaMb = 10 });
            // No waiting: the worker is in the middle of the batch (or just past it) when the process dies.
            await first.KillAsync();
        }

        await using var second = ProductProcess.Start(Path.GetTempPath(), Args());
        Assert.True(await second.WaitUntilRunningAsync(ProductProcess.StartTimeout), second.Stdout + second.Stderr);
        using var api = Api(second);
        var pop3Port = second.MailPort("pop3");
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        JsonElement list;
        do
        {
            list = await api.GetFromJsonAsync<JsonElement>("/api/v1/domains/killed.example/mailboxes?pageSize=100", Ct);
            if (list.GetProperty("items").EnumerateArray().All(m => m.GetProperty("status").GetString() == "active")) break;
            await Task.Delay(200, Ct);
        } while (DateTime.UtcNow < deadline);

        var items = list.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(count, items.Count);
        Assert.All(items, m => Assert.Equal("active", m.GetProperty("status").GetString()));
        foreach (var i in new[] { 0, count / 2, count - 1 })
        {
            using var pop = new Pop3Client();
            await pop.ConnectAsync("127.0.0.1", pop3Port, SecureSocketOptions.None, Ct);
            await pop.AuthenticateAsync($"user{i}@killed.example", "mailbox-password-1", Ct);
            Assert.Equal(0, pop.Count); // one fresh mailbox, not a second copy with someone's mail
        }
    }

    private static async Task<JsonElement> PostAsync(HttpClient api, string path, object body)
    {
        var response = await api.PostAsJsonAsync(path, body, Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.IsSuccessStatusCode, $"{path}: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    public void Dispose()
    {
        try { Directory.Delete(_data, recursive: true); } catch (IOException) { }
    }
}
