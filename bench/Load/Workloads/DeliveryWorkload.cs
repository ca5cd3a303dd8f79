using HostingPanel.Bench.Load.Protocol;
using HostingPanel.Bench.Load.Report;

namespace HostingPanel.Bench.Load.Workloads;

/// <summary>
/// Delivers every corpus message once to the recipients (one transaction each), from C concurrent connections, and reports
/// messages per second. Dovecot is fed through LMTP (its delivery path), the product through its
/// SMTP MX listener; both acknowledge only after the message is stored.
/// </summary>
internal static class DeliveryWorkload
{
    public static async Task<List<BenchResult>> RunAsync(Options o)
    {
        var (server, host, port, lmtp, recipients) = DeliveryTarget.From(o);
        var corpus = o.String("corpus");
        var clients = o.Int("clients", 4);
        var timeout = TimeSpan.FromSeconds(o.Int("timeout", 600));
        var key = o.String("key", $"delivery.c{clients}");
        o.EnsureAllRead();

        var messages = LoadDotStuffed(corpus);
        var next = -1;
        Console.Error.WriteLine($"[{server}] delivering {messages.Count} messages to {string.Join(",", recipients)} over {(lmtp ? "LMTP" : "SMTP")} :{port} with {clients} clients");
        var outcome = await ClientRunner.RunAsync(clients, timeout, async c =>
        {
            await using var connection = await DeliveryConnection.ConnectAsync(host, port, lmtp, c.Token).ConfigureAwait(false);
            await c.ReadyAsync().ConfigureAwait(false);
            while (!c.TimeIsUp)
            {
                var i = Interlocked.Increment(ref next);
                if (i >= messages.Count) break;
                var data = messages[i];
                await c.Recorder.TimeAsync("deliver",
                    () => connection.DeliverAsync("sender@example.net", recipients, data, c.Token),
                    code => code == 250, _ => data.Length).ConfigureAwait(false);
            }
            await connection.QuitAsync(c.Token).ConfigureAwait(false);
        }).ConfigureAwait(false);

        var samples = outcome.Ops.GetValueOrDefault("deliver") ?? new OpSamples();
        var note = samples.Count < messages.Count ? $"only {samples.Count} of {messages.Count} delivered" : null;
        if (outcome.FirstFailure is not null) note = (note is null ? "" : note + "; ") + outcome.FirstFailure;
        var label = recipients.Length == 1
            ? $"Delivery of the corpus, {clients} connections (product SMTP, Dovecot LMTP)"
            : $"Delivery of the corpus to {recipients.Length} mailboxes, one transaction per message, {clients} connections (product SMTP, Dovecot LMTP)";
        return ResultBuilder.Rows(key, label, server, "msg/s", samples, outcome.Elapsed, note).ToList();
    }

    /// <summary>Reads the corpus in file order, dot-stuffed (RFC 5321 4.5.2) and terminated, ready to send.</summary>
    public static List<ReadOnlyMemory<byte>> LoadDotStuffed(string corpus)
    {
        var files = Directory.GetFiles(corpus, "*.eml").Order(StringComparer.Ordinal).ToList();
        var result = new List<ReadOnlyMemory<byte>>(files.Count);
        foreach (var file in files)
        {
            var raw = File.ReadAllBytes(file);
            using var stuffed = new MemoryStream(raw.Length + 64);
            var lineStart = true;
            foreach (var b in raw)
            {
                if (lineStart && b == (byte)'.') stuffed.WriteByte((byte)'.');
                stuffed.WriteByte(b);
                lineStart = b == (byte)'\n';
            }
            if (!lineStart) stuffed.Write("\r\n"u8);
            stuffed.Write(".\r\n"u8);
            result.Add(stuffed.ToArray());
        }
        return result;
    }
}
