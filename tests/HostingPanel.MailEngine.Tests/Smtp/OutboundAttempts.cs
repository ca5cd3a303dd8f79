using HostingPanel.MailEngine.Delivery;
using Microsoft.Extensions.DependencyInjection;

namespace HostingPanel.MailEngine.Tests.Smtp;

/// <summary>
/// For the outbound TLS tests (MTA-STS, DANE, REQUIRETLS): submit as adam@example.com, then wait for the queue's first
/// attempt per recipient in the delivery log, where each TLS decision is written.
/// </summary>
internal static class OutboundAttempts
{
    public static async Task SubmitAsync(EngineHost engine, string to, string subject)
    {
        using var client = await SmtpTestKit.ConnectAsync(engine.SubmissionPort, user: "adam@example.com");
        await client.SendAsync(SmtpTestKit.Message("adam@example.com", to, subject));
        await client.DisconnectAsync(true);
    }

    /// <summary>Waits until every recipient has a relayed, deferred or bounced line, then returns them by recipient.</summary>
    public static async Task<Dictionary<string, List<DeliveryLogLine>>> ForAllAsync(EngineHost engine, IEnumerable<string> recipients)
    {
        var wanted = recipients.ToList();
        var result = new Dictionary<string, List<DeliveryLogLine>>(StringComparer.OrdinalIgnoreCase);
        await SmtpTestKit.EventuallyAsync(async () =>
        {
            await engine.Services.GetRequiredService<DeliveryLogWriter>().FlushAsync();
            foreach (var r in wanted)
                result[r] = (await engine.Services.GetRequiredService<IDeliveryLog>().SearchAsync(new DeliveryLogQuery(r, null, null, null, null, 0, 100, RecipientOnly: true)))
                    .Items.Where(l => l.Outcome is "relayed" or "deferred" or "bounced").ToList();
            return result.Values.All(l => l.Count > 0);
        }, "a queue attempt for " + string.Join(", ", wanted), 120_000);
        return result;
    }
}
