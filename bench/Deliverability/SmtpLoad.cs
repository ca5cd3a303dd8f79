using System.Diagnostics;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace HostingPanel.Bench.Deliverability;

/// <summary>
/// Delivery on the MX port: <c>clients</c> MailKit connections, each sending its share of <c>count</c> messages of about
/// <c>size</c> bytes from outside to one of the ten mailboxes (one transaction, one recipient each), after 50 unmeasured
/// ones. Returns messages per second; every 250 means the copy is durable.
/// </summary>
public static class SmtpLoad
{
    public static async Task<double> RunAsync(BenchEngine engine, int count, int clients, int size)
    {
        var raw = System.Text.Encoding.ASCII.GetBytes(DkimCost.Message(size, from: "sender@outside.example", to: "u01@bench.test"));
        var template = MimeMessage.Load(new MemoryStream(raw));
        var connections = new List<SmtpClient>();
        for (var i = 0; i < clients; i++)
        {
            var client = new SmtpClient { Timeout = 120_000 };
            await client.ConnectAsync("127.0.0.1", engine.SmtpPort, SecureSocketOptions.None);
            connections.Add(client);
        }
        var sender = MailboxAddress.Parse("sender@outside.example");
        async Task SendAsync(SmtpClient client, int n)
        {
            var to = MailboxAddress.Parse(BenchEngine.Mailboxes[n % BenchEngine.Mailboxes.Count]);
            await client.SendAsync(template, sender, [to]);
        }
        await Task.WhenAll(connections.Select(async (c, i) =>
        {
            for (var n = i; n < 50; n += clients)
                await SendAsync(c, n);
        }));
        var watch = Stopwatch.StartNew();
        await Task.WhenAll(connections.Select(async (c, i) =>
        {
            for (var n = i; n < count; n += clients)
                await SendAsync(c, n);
        }));
        watch.Stop();
        foreach (var c in connections)
        {
            await c.DisconnectAsync(true);
            c.Dispose();
        }
        return count / watch.Elapsed.TotalSeconds;
    }
}
