using System.Diagnostics;
using System.Globalization;
using System.Text;
using HostingPanel.MailEngine.Dkim;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;

namespace HostingPanel.Bench.Deliverability;

/// <summary>
/// What DKIM signing adds per message leaving the queue: <see cref="OutboundDkimSigner.SignAsync"/> as the queue calls it
/// (key lookup from its short cache, 7-bit preparation, an Ed25519-SHA256 and an RSA-SHA256 signature, relaxed/relaxed),
/// on messages parsed beforehand, so only the signing is timed.
/// </summary>
public static class DkimCost
{
    public static async Task<string> MeasureAsync(BenchEngine engine, int count, int size)
    {
        var signer = engine.Services.GetRequiredService<OutboundDkimSigner>();
        var raw = Encoding.ASCII.GetBytes(Message(size));
        var warm = Enumerable.Range(0, 100).Select(_ => MimeMessage.Load(new MemoryStream(raw))).ToList();
        foreach (var m in warm)
            if (!await signer.SignAsync(m, CancellationToken.None))
                throw new InvalidOperationException("bench.test has no signing keys");
        var messages = Enumerable.Range(0, count).Select(_ => MimeMessage.Load(new MemoryStream(raw))).ToList();
        var times = new double[count];
        var total = Stopwatch.StartNew();
        for (var i = 0; i < count; i++)
        {
            var start = Stopwatch.GetTimestamp();
            await signer.SignAsync(messages[i], CancellationToken.None);
            times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }
        total.Stop();
        Array.Sort(times);
        var signatures = messages[0].Headers.Count(h => h.Id == HeaderId.DkimSignature);
        return string.Create(CultureInfo.InvariantCulture,
            $"| DKIM signing, {size / 1024} KiB message, {signatures} signatures (Ed25519 + RSA-2048) | {count} | mean {total.Elapsed.TotalMilliseconds / count:0.000} ms | p50 {times[count / 2]:0.000} ms | p99 {times[(int)(count * 0.99)]:0.000} ms |");
    }

    /// <summary>A plain text message of about <paramref name="size"/> bytes from the hosted (signing) domain.</summary>
    public static string Message(int size, string from = "u01@bench.test", string to = "someone@elsewhere.example")
    {
        var sb = new StringBuilder();
        sb.Append("From: Bench <").Append(from).Append(">\r\nTo: <").Append(to).Append(">\r\nSubject: bench message\r\n")
            .Append("Date: Mon, 07 Dec 2026 23:00:00 +0000\r\nMessage-ID: <").Append(Guid.NewGuid().ToString("N")).Append("@bench.test>\r\n")
            .Append("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n");
        var line = "The quick brown fox jumps over the lazy dog while the bench measures delivery.\r\n";
        while (sb.Length < size)
            sb.Append(line);
        return sb.ToString();
    }
}
