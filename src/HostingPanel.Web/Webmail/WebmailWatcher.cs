using System.Collections.Concurrent;
using MailKit;
using MailKit.Net.Imap;
using Microsoft.Extensions.Options;

namespace HostingPanel.Web.Webmail;

/// <summary>
/// Waits for changes to one folder with IMAP IDLE (RFC 2177) on a pooled connection: returns true as soon
/// as the message count changes, false when the idle window ends quietly. Servers without IDLE are asked
/// with NOOP every few seconds instead. Watchers (one per open tab) may hold at most all but two of the
/// mailbox's pooled connections, so pages still load while many tabs are open; further tabs wait their turn.
/// </summary>
public sealed class WebmailWatcher(ImapConnectionPool pool, IOptions<WebmailOptions> options)
{
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _watchers = new(StringComparer.OrdinalIgnoreCase);

    /// <param name="known">The message count the page last showed: a difference is a change at once (mail that came in between).</param>
    /// <returns>Whether the count changed, and the count now.</returns>
    public async Task<(bool Changed, int Count)> WaitForChangeAsync(WebmailCredentials who, string folderPath, int? known, CancellationToken stop)
    {
        var allowed = Math.Max(1, options.Value.MaxConnectionsPerMailbox - 2);
        var gate = _watchers.GetOrAdd(who.Address, _ => new SemaphoreSlim(allowed, allowed));
        await gate.WaitAsync(stop);
        try { return await IdleAsync(who, folderPath, known, stop); }
        finally { gate.Release(); }
    }

    private Task<(bool, int)> IdleAsync(WebmailCredentials who, string folderPath, int? known, CancellationToken stop) =>
        pool.RunAsync(who, async (client, _) =>
        {
            var folder = await ImapFolders.OpenAsync(client, folderPath, FolderAccess.ReadOnly, stop);
            var before = folder.Count;
            if (known is { } k && k != before) return (true, before);
            using var done = CancellationTokenSource.CreateLinkedTokenSource(stop);
            done.CancelAfter(options.Value.IdleWindow);
            var changed = false;
            void OnChange(object? sender, EventArgs e)
            {
                changed = true;
                done.Cancel();
            }
            folder.CountChanged += OnChange;
            try
            {
                if ((client.Capabilities & ImapCapabilities.Idle) != 0)
                {
                    // The done token ends IDLE with DONE, leaving the connection fit for the pool; the
                    // cancellation token is only for a connection that stops answering.
                    using var hung = new CancellationTokenSource(options.Value.IdleWindow + TimeSpan.FromSeconds(30));
                    await client.IdleAsync(done.Token, hung.Token);
                }
                else
                {
                    while (!done.IsCancellationRequested)
                    {
                        try { await Task.Delay(TimeSpan.FromSeconds(5), done.Token); } catch (OperationCanceledException) { break; }
                        await client.NoOpAsync(CancellationToken.None);
                    }
                }
            }
            finally
            {
                folder.CountChanged -= OnChange;
            }
            return (changed || folder.Count != before, folder.Count);
        }, stop);
}
