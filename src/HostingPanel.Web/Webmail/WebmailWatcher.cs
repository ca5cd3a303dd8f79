using MailKit;
using MailKit.Net.Imap;
using Microsoft.Extensions.Options;

namespace HostingPanel.Web.Webmail;

/// <summary>
/// Waits for changes to one folder with IMAP IDLE (RFC 2177) on a pooled connection: returns true as soon
/// as the message count changes, false when the idle window ends quietly. Servers without IDLE are asked
/// with NOOP every few seconds instead.
/// </summary>
public sealed class WebmailWatcher(ImapConnectionPool pool, IOptions<WebmailOptions> options)
{
    public Task<bool> WaitForChangeAsync(WebmailCredentials who, string folderPath, CancellationToken stop) =>
        pool.RunAsync(who, async (client, _) =>
        {
            var folder = await ImapFolders.OpenAsync(client, folderPath, FolderAccess.ReadOnly, stop);
            var before = folder.Count;
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
            return changed || folder.Count != before;
        }, stop);
}
