using System.Diagnostics;
using System.Text.Json;
using HostingPanel.MailEngine.Auth;

namespace HostingPanel.Bench.Provisioning;

/// <summary>
/// Issue 8 item 7: N mailboxes (10,000) created through the REST API are all active within 60 s.
/// C clients (one customer and domain each, so no two requests allocate from the same plan) post their
/// share of mailboxes one after another with an already hashed password (`passwordHash`, the import path:
/// Argon2id hashing would otherwise cost ~0.2 s of CPU per create). The clock runs from the first create
/// until a full listing shows every mailbox `active`; a sample then logs in over IMAP and POP3 with the
/// password behind the hash. Prints one line and a Markdown table row.
/// </summary>
public static class ScaleRun
{
    private const string Password = "bench-imported-password";
    private static readonly TimeSpan Deadline = TimeSpan.FromMinutes(15);

    /// <param name="batch">0: one <c>POST .../mailboxes</c> per mailbox; otherwise that many mailboxes per
    /// <c>POST /api/v1/domains/{domain}/import</c> (the CSV batch endpoint, at most 5,000 lines a request).</param>
    public static async Task RunAsync(string productDll, int count, int clients, string? postgresServer, int batch = 0)
    {
        var provider = postgresServer is null ? "SQLite" : "PostgreSQL";
        // One hash for every mailbox, made once, as `doveadm pw -s SHA512-CRYPT` would.
        var hash = DovecotPassword.HashSha512Crypt(Password);
        await using var product = await ProductUnderTest.StartAsync(productDll, postgresServer, "--Provisioning:ReconcileStartDelay=01:00:00");
        var perClient = (count + clients - 1) / clients;
        var domains = Enumerable.Range(0, clients).Select(c => $"scale{c}.example").ToList();
        foreach (var d in domains) await product.CreateCustomerWithDomainAsync(d, perClient, 1);

        var cpuBefore = product.Cpu;
        var total = Stopwatch.StartNew();
        await Task.WhenAll(domains.Select((domain, c) => Task.Run(async () =>
        {
            var mine = Enumerable.Range(0, count).Where(i => i % clients == c).ToList();
            if (batch <= 0)
            {
                foreach (var i in mine)
                    await product.PostAsync($"/api/v1/domains/{domain}/mailboxes", new { localPart = $"u{i}", passwordHash = hash, quotaMb = 1 });
                return;
            }
            foreach (var chunk in mine.Chunk(batch))
            {
                var csv = "address,name,quotaMb,password,passwordHash,imap,pop3,forwardTo\n"
                    + string.Concat(chunk.Select(i => $"u{i}@{domain},,1,,{hash},,,\n"));
                await product.PostCsvAsync($"/api/v1/domains/{domain}/import", csv);
            }
        })));
        var created = total.Elapsed;
        var how = batch <= 0 ? "one request per mailbox" : $"{batch} mailboxes per import request";
        Console.WriteLine($"provisioning scale ({provider}): {count} creates answered in {created.TotalSeconds:0.0} s ({count / created.TotalSeconds:0} per second, {how})");

        while (true)
        {
            var (active, other) = await CountStatusesAsync(product, domains);
            if (active == count) break;
            if (total.Elapsed > Deadline) throw new TimeoutException($"after {Deadline.TotalSeconds:0} s only {active} of {count} mailboxes are active ({other} other)");
            await Task.Delay(250);
        }
        var allActive = total.Elapsed;
        var cpu = product.Cpu - cpuBefore;

        foreach (var i in new[] { 0, count / 2, count - 1 })
        {
            var address = $"u{i}@{domains[i % clients]}";
            if (!await LatencyRun.TryImapAsync(product.ImapPort, address, Password) || !await LatencyRun.TryPop3Async(product.Pop3Port, address, Password))
                throw new InvalidOperationException($"{address} is active but does not accept the imported password");
        }

        Console.WriteLine($"provisioning scale ({provider}): {count} mailboxes created through the API by {clients} clients ({how}), all active after {allActive.TotalSeconds:0.0} s (creates {created.TotalSeconds:0.0} s); product CPU {cpu.TotalSeconds:0.0} s ({cpu.TotalMilliseconds / count:0.00} ms per mailbox, polling included)");
        Console.WriteLine($"| Provisioning: {count:N0} mailboxes through the API ({how}) until all active, {provider} | {allActive.TotalSeconds:0.0} s | n/a (no counterpart) | goal < 60 s |");
    }

    /// <summary>How many of the domains' mailboxes are active, and how many are anything else.</summary>
    private static async Task<(int Active, int Other)> CountStatusesAsync(ProductUnderTest product, IEnumerable<string> domains)
    {
        int active = 0, other = 0;
        foreach (var domain in domains)
        {
            for (var page = 1; ; page++)
            {
                var list = await product.Api.GetFromJsonAsyncChecked($"/api/v1/domains/{domain}/mailboxes?pageSize=500&page={page}");
                var items = list.GetProperty("items");
                foreach (var m in items.EnumerateArray())
                {
                    if (m.GetProperty("status").GetString() == "active") active++;
                    else other++;
                }
                if (page * 500 >= list.GetProperty("total").GetInt32()) break;
            }
        }
        return (active, other);
    }

    private static async Task<JsonElement> GetFromJsonAsyncChecked(this HttpClient api, string path)
    {
        using var response = await api.GetAsync(path);
        var text = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode) throw new HttpRequestException($"GET {path}: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }
}
