#if ENGINE_DELIVERY
using System.Diagnostics;
using HostingPanel.MailEngine.Delivery;
using HostingPanel.MailEngine.Directory;
using Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Loads the corpus through the engine's own delivery API (in process, no network), for when the
/// engine has no SMTP listener yet: IMAP and POP3 then still read the same corpus as Dovecot.
/// Compiled only when src/HostingPanel.MailEngine has Delivery/MailDelivery.cs (see the .csproj).
/// </summary>
internal static class CorpusPreload
{
    public static bool Available => true;

    public static async Task<(int Delivered, TimeSpan Elapsed)> RunAsync(IServiceProvider services, string corpus, IReadOnlyList<string> recipients, int parallel, CancellationToken ct)
    {
        var delivery = services.GetRequiredService<MailDelivery>();
        var ids = new List<long>();
        foreach (var recipient in recipients)
        {
            var resolution = await delivery.ResolveRecipientAsync(recipient, ct);
            if (resolution.Status != RecipientStatus.Ok || resolution.Mailboxes.Count == 0)
                throw new InvalidOperationException($"{recipient} does not resolve to a local mailbox ({resolution.Status})");
            ids.AddRange(resolution.Mailboxes.Select(m => m.MailboxId));
        }
        var files = Directory.GetFiles(corpus, "*.eml").Order(StringComparer.Ordinal).ToList();
        var delivered = 0;
        var start = Stopwatch.GetTimestamp();
        await Parallel.ForEachAsync(files, new ParallelOptions { MaxDegreeOfParallelism = parallel, CancellationToken = ct }, async (file, token) =>
        {
            await using var stream = File.OpenRead(file);
            var results = await delivery.DeliverAsync(stream, ids, 0, token);
            if (results.All(r => r.Status == DeliveryStatus.Delivered)) Interlocked.Increment(ref delivered);
        });
        return (delivered, Stopwatch.GetElapsedTime(start));
    }
}
#else
/// <summary>The engine has no delivery API in this tree: nothing to preload with.</summary>
internal static class CorpusPreload
{
    public static bool Available => false;

    public static Task<(int Delivered, TimeSpan Elapsed)> RunAsync(IServiceProvider services, string corpus, IReadOnlyList<string> recipients, int parallel, CancellationToken ct) =>
        throw new NotSupportedException("the engine has no delivery API yet");
}
#endif
