using System.Diagnostics;
using MailKit.Net.Imap;
using MailKit.Net.Pop3;
using MailKit.Security;

namespace HostingPanel.Bench.Provisioning;

/// <summary>
/// Creates N mailboxes one after another through the API (plain password, hashed by the product) and for
/// each polls IMAP and POP3 logins until both succeed. Prints p50/p95/p99 and a Markdown table row.
/// </summary>
public static class LatencyRun
{
    private const string Password = "bench-mailbox-password";

    public static async Task RunAsync(string productDll, int count)
    {
        await using var product = await ProductUnderTest.StartAsync(productDll, postgresServer: null);
        await product.CreateCustomerWithDomainAsync("bench.example", count, 10);

        var latencies = new List<double>();
        for (var i = 0; i < count; i++)
        {
            var address = $"user{i}@bench.example";
            var sw = Stopwatch.StartNew();
            await product.PostAsync("/api/v1/domains/bench.example/mailboxes", new { localPart = $"user{i}", password = Password, quotaMb = 10 });
            bool imapOk = false, pop3Ok = false;
            while (!(imapOk && pop3Ok))
            {
                if (sw.Elapsed > TimeSpan.FromSeconds(30)) throw new TimeoutException($"{address} did not accept logins within 30 s");
                imapOk = imapOk || await TryImapAsync(product.ImapPort, address, Password);
                pop3Ok = pop3Ok || await TryPop3Async(product.Pop3Port, address, Password);
                if (!(imapOk && pop3Ok)) await Task.Delay(5);
            }
            latencies.Add(sw.Elapsed.TotalMilliseconds);
        }
        latencies.Sort();
        double P(double q) => latencies[Math.Min(latencies.Count - 1, (int)Math.Ceiling(q * latencies.Count) - 1)];
        Console.WriteLine($"provisioning: {count} mailboxes, API create -> IMAP and POP3 login: p50 {P(0.50):0} ms, p95 {P(0.95):0} ms, p99 {P(0.99):0} ms, max {latencies[^1]:0} ms");
        Console.WriteLine($"| Provisioning: API create mailbox → IMAP+POP3 login, p95 ({count} mailboxes) | {P(0.95):0} ms | n/a (no counterpart) | goal < 1000 ms |");
    }

    public static async Task<bool> TryImapAsync(int port, string address, string password)
    {
        using var client = new ImapClient();
        try
        {
            await client.ConnectAsync("127.0.0.1", port, SecureSocketOptions.None);
            await client.AuthenticateAsync(address, password);
            return true;
        }
        catch (AuthenticationException) { return false; }
    }

    public static async Task<bool> TryPop3Async(int port, string address, string password)
    {
        using var client = new Pop3Client();
        try
        {
            await client.ConnectAsync("127.0.0.1", port, SecureSocketOptions.None);
            await client.AuthenticateAsync(address, password);
            return true;
        }
        catch (AuthenticationException) { return false; }
    }
}
