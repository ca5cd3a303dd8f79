using System.Text;
using HostingPanel.Bench.Load.Protocol;
using HostingPanel.Bench.Load.Report;

namespace HostingPanel.Bench.Load.Workloads;

/// <summary>
/// Issue 7's inbound load: messages of one size (10 KB or 100 KB) from C concurrent senders for a fixed
/// time, each message to one recipient list; messages per second. The product gets one RCPT, an alias
/// of three mailboxes, over its SMTP MX port; Dovecot, which has no aliases, gets the same three
/// mailboxes as three RCPTs over LMTP. Both acknowledge only once every copy is stored durably (the
/// product after its group commit's fsync, Dovecot after maildir's fsync).
/// </summary>
internal static class InboundWorkload
{
    private const int DistinctMessages = 64;

    public static async Task<List<BenchResult>> RunAsync(Options o)
    {
        var (server, host, port, lmtp, recipients) = DeliveryTarget.From(o);
        var size = o.Int("size");
        var clients = o.Int("clients", 8);
        var duration = TimeSpan.FromSeconds(o.Int("duration", 10));
        var mailboxes = o.Int("mailboxes", 3);
        var key = o.String("key", $"inbound.{size / 1024}k.c{clients}");
        o.EnsureAllRead();

        var messages = Enumerable.Range(0, DistinctMessages).Select(i => Message(i, size)).ToList();
        var next = -1;
        Console.Error.WriteLine($"[{server}] {size / 1024} KB messages to {string.Join(",", recipients)} over {(lmtp ? "LMTP" : "SMTP")} :{port}, {clients} senders, {duration.TotalSeconds:0} s");
        var outcome = await ClientRunner.RunAsync(clients, duration, async c =>
        {
            await using var connection = await DeliveryConnection.ConnectAsync(host, port, lmtp, c.Token).ConfigureAwait(false);
            await c.ReadyAsync().ConfigureAwait(false);
            while (!c.TimeIsUp)
            {
                var data = messages[(int)((uint)Interlocked.Increment(ref next) % DistinctMessages)];
                await c.Recorder.TimeAsync("deliver",
                    () => connection.DeliverAsync("sender@example.net", recipients, data, c.Token),
                    code => code == 250, _ => data.Length).ConfigureAwait(false);
            }
            await connection.QuitAsync(c.Token).ConfigureAwait(false);
        }).ConfigureAwait(false);

        var samples = outcome.Ops.GetValueOrDefault("deliver") ?? new OpSamples();
        var label = $"Inbound {size / 1024} KB messages, each to an alias of {mailboxes} mailboxes, {clients} senders (product SMTP to the alias, Dovecot LMTP to the {mailboxes} mailboxes)";
        return ResultBuilder.Rows(key, label, server, "msg/s", samples, outcome.Elapsed, outcome.FirstFailure).ToList();
    }

    /// <summary>A plain-text message of about <paramref name="size"/> bytes, CRLF lines under 80 octets, dot-stuffed and terminated.</summary>
    private static ReadOnlyMemory<byte> Message(int seq, int size)
    {
        var text = new StringBuilder(size + 512);
        text.Append("From: Sender <sender@example.net>\r\nTo: Team <team@bench.test>\r\n")
            .Append($"Subject: inbound load {seq}\r\nDate: Fri, 27 Nov 2026 08:00:00 +0000\r\nMessage-ID: <inbound.{seq}.{size}@example.net>\r\n")
            .Append("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n");
        var random = new Random(seq * 7919 + size);
        const string Alphabet = "abcdefghijklmnopqrstuvwxyz      ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.,";
        while (text.Length < size)
        {
            for (var i = 0; i < 72; i++) text.Append(Alphabet[random.Next(Alphabet.Length)]);
            text.Append("\r\n");
        }
        // The alphabet has '.', so a line may start with one: stuff it (RFC 5321 4.5.2).
        var stuffed = text.ToString().Replace("\r\n.", "\r\n..");
        return Encoding.ASCII.GetBytes(stuffed + ".\r\n");
    }
}
