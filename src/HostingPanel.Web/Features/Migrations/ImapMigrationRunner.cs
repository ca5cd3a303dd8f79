using System.Net.Sockets;
using HostingPanel.MailEngine.Storage;
using HostingPanel.MailEngine.Transfer;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Security;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;
using StoreFlags = HostingPanel.MailEngine.Storage.MessageFlags;

namespace HostingPanel.Web.Features.Migrations;

/// <summary>
/// Runs one migration with MailKit as the IMAP client: every selectable folder of the source (hierarchy separator turned
/// into '/'; folders with an RFC 6154 special use go into ours with the same use, so their "Sent Items" lands in our
/// Sent), every message with its flags, keywords and internal date. A message already in the target folder (same
/// <see cref="MessageKey"/>) is skipped, so a rerun or a resumed job copies only what is new. The free quota is checked
/// before the first message, and the job stops cleanly at the first message that does not fit.
/// </summary>
public sealed class ImapMigrationRunner(IMigrationJobs jobs, IMailboxTransfer transfer, IDataProtectionProvider protection,
    IOptions<MigrationOptions> options, ILogger<ImapMigrationRunner> logger)
{
    private const int ReportEvery = 25;
    private static readonly TimeSpan ReportInterval = TimeSpan.FromSeconds(1);

    public async Task RunAsync(MigrationJob job, CancellationToken ct)
    {
        var errors = job.Errors.ToList();
        long copied = job.Messages, bytes = job.Bytes, skipped = 0, folders = 0, total = job.TotalMessages, remaining = job.RemainingMessages;
        // Paused (or ended) between the worker's read and now: leave it.
        if (!await jobs.MarkRunningAsync(job.Id, ct)) return;
        try
        {
            var account = await transfer.FindAsync(job.Address, ct);
            if (account is null || !account.Active) { await FailAsync("The target mailbox is not active."); return; }
            if (job.Secret is null) { await FailAsync("The source credentials are gone (the job had ended)."); return; }
            string password;
            try { password = protection.CreateProtector(MigrationService.ProtectorPurpose).Unprotect(job.Secret); }
            catch (System.Security.Cryptography.CryptographicException) { await FailAsync("The source credentials cannot be decrypted (the key ring changed)."); return; }

            var target = await MigrationTargetPolicy.ResolveAsync(job.Host, job.AllowPrivate, ct);
            if (target.Refusal is { } refusal) { await FailAsync(refusal); return; }

            using var client = new ImapClient { Timeout = (int)options.Value.SourceTimeout.TotalMilliseconds };
            try
            {
                var socket = new Socket(target.Addresses[0].AddressFamily, SocketType.Stream, ProtocolType.Tcp);
                try
                {
                    // Connect to the address that was checked, not to a name that could resolve elsewhere now.
                    await socket.ConnectAsync(target.Addresses[0], job.Port, ct);
                    await client.ConnectAsync(socket, job.Host, job.Port, job.Security switch
                    {
                        "Tls" => SecureSocketOptions.SslOnConnect,
                        "StartTls" => SecureSocketOptions.StartTls,
                        _ => SecureSocketOptions.None,
                    }, ct);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
                await client.AuthenticateAsync(job.Username, password, ct);
            }
            catch (AuthenticationException)
            {
                await FailAsync("The old server refused the user name or password.");
                return;
            }
            catch (Exception e) when (e is SocketException or IOException or ImapProtocolException or SslHandshakeException or TimeoutException or ImapCommandException)
            {
                await FailAsync($"Could not connect to {job.Host}:{job.Port} ({job.Security}): {e.Message}");
                return;
            }

            var sources = await SourceFoldersAsync(client, ct);
            // Plan first: what is missing in each folder, so the quota can be checked before anything is copied.
            var plan = new List<(IMailFolder Source, string Target, List<IMessageSummary> Missing)>();
            foreach (var source in sources)
            {
                var name = source == client.Inbox ? "INBOX" : source.FullName.Replace(source.DirectorySeparator, '/');
                var targetFolder = await transfer.EnsureFolderAsync(account.Id, name, SpecialUse(source), ct);
                if (targetFolder is null) { errors.Add($"Folder \"{name}\": cannot be a folder here; skipped."); continue; }
                await source.OpenAsync(FolderAccess.ReadOnly, ct);
                var existing = await transfer.ExistingKeysAsync(account.Id, targetFolder, ct);
                var missing = new List<IMessageSummary>();
                if (source.Count > 0)
                {
                    foreach (var m in await source.FetchAsync(0, -1, MessageSummaryItems.UniqueId | MessageSummaryItems.Envelope | MessageSummaryItems.Size
                                 | MessageSummaryItems.Flags | MessageSummaryItems.InternalDate, ct))
                    {
                        var key = MessageKey.Of(m.Envelope?.MessageId, m.InternalDate ?? DateTimeOffset.UnixEpoch, m.Size ?? 0);
                        if (existing.Add(key)) missing.Add(m);
                        else skipped++;
                    }
                }
                await source.CloseAsync(false, ct);
                plan.Add((source, targetFolder, missing));
                folders++;
            }
            var needed = plan.Sum(p => p.Missing.Sum(m => (long)(m.Size ?? 0)));
            remaining = plan.Sum(p => p.Missing.Count);
            total = skipped + remaining;
            var fresh = await transfer.FindAsync(job.Address, ct);
            var free = fresh!.QuotaBytes == 0 ? long.MaxValue : fresh.QuotaBytes - fresh.UsedBytes;
            if (needed > 0 && free <= 0) { await FailAsync("The mailbox is full: nothing was copied."); return; }
            if (needed > free) errors.Add($"The new mail needs {needed} bytes and the mailbox has {free} free: the migration will stop at the quota.");
            await jobs.ReportAsync(job.Id, copied, bytes, folders, skipped, errors, total, remaining, ct);

            var sinceReport = 0;
            var reported = System.Diagnostics.Stopwatch.StartNew();
            foreach (var (source, targetFolder, missing) in plan)
            {
                if (missing.Count == 0) continue;
                await source.OpenAsync(FolderAccess.ReadOnly, ct);
                foreach (var m in missing)
                {
                    // A pause takes effect between two messages: progress and credentials stay, and a resume
                    // starts again from the plan (what is here already is skipped).
                    if (await PausedAsync())
                    {
                        await jobs.ReportAsync(job.Id, copied, bytes, folders, skipped, errors, total, remaining, CancellationToken.None);
                        logger.LogInformation("Migration {Id} paused after {Copied} messages", job.Id, copied);
                        return;
                    }
                    using var body = new MemoryStream();
                    try
                    {
                        await using var stream = await source.GetStreamAsync(m.UniqueId, ct);
                        await stream.CopyToAsync(body, ct);
                    }
                    catch (MessageNotFoundException)
                    {
                        remaining--;
                        continue; // expunged on the source meanwhile
                    }
                    body.Position = 0;
                    var result = await transfer.AppendAsync(account.Id, targetFolder, body, Flags(m.Flags), m.Keywords.ToList(),
                        m.InternalDate ?? DateTimeOffset.UtcNow, ct);
                    if (result.Status == StoreStatus.OverQuota)
                    {
                        errors.Add($"The mailbox is full: stopped after {copied} messages.");
                        await jobs.ReportAsync(job.Id, copied, bytes, folders, skipped, errors, total, remaining, ct);
                        await jobs.FinishAsync(job.Id, MigrationStatus.Failed, ct);
                        return;
                    }
                    if (result.Status != StoreStatus.Ok) errors.Add($"A message in \"{targetFolder}\" was not stored ({result.Status}).");
                    else { copied++; bytes += body.Length; }
                    remaining--;
                    // Per message for the bars, but one write per batch or per second rather than one per message.
                    if (++sinceReport >= ReportEvery || reported.Elapsed >= ReportInterval)
                    {
                        sinceReport = 0;
                        reported.Restart();
                        await jobs.ReportAsync(job.Id, copied, bytes, folders, skipped, errors, total, remaining, ct);
                    }
                }
                await source.CloseAsync(false, ct);
            }
            await client.DisconnectAsync(true, ct);
            await jobs.ReportAsync(job.Id, copied, bytes, folders, skipped, errors, total, remaining, ct);
            await jobs.FinishAsync(job.Id, MigrationStatus.Done, ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Shutting down: the job stays "running" with its credentials, and the next start resumes it.
            await jobs.ReportAsync(job.Id, copied, bytes, folders, skipped, errors, total, remaining, CancellationToken.None);
            throw;
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "Migration {Id} from {Host} failed", job.Id, job.Host);
            await FailAsync($"The migration stopped: {e.Message}");
        }

        async Task<bool> PausedAsync() => (await jobs.GetAsync(job.Id, ct))?.Status == MigrationStatus.Paused;

        async Task FailAsync(string reason)
        {
            errors.Add(reason);
            await jobs.ReportAsync(job.Id, copied, bytes, folders, skipped, errors, total, remaining, CancellationToken.None);
            await jobs.FinishAsync(job.Id, MigrationStatus.Failed, CancellationToken.None);
        }
    }

    private static async Task<List<IMailFolder>> SourceFoldersAsync(ImapClient client, CancellationToken ct)
    {
        var all = new List<IMailFolder> { client.Inbox };
        foreach (var ns in client.PersonalNamespaces)
            foreach (var f in await client.GetFoldersAsync(ns, StatusItems.None, subscribedOnly: false, ct))
                if (!f.Attributes.HasFlag(FolderAttributes.NoSelect) && !f.Attributes.HasFlag(FolderAttributes.NonExistent) && !string.Equals(f.FullName, "INBOX", StringComparison.OrdinalIgnoreCase))
                    all.Add(f);
        return all;
    }

    /// <summary>RFC 6154 special use of a source folder, as our store names it.</summary>
    private static string? SpecialUse(IMailFolder f) =>
        f.Attributes.HasFlag(FolderAttributes.Sent) ? @"\Sent"
        : f.Attributes.HasFlag(FolderAttributes.Drafts) ? @"\Drafts"
        : f.Attributes.HasFlag(FolderAttributes.Trash) ? @"\Trash"
        : f.Attributes.HasFlag(FolderAttributes.Junk) ? @"\Junk"
        : f.Attributes.HasFlag(FolderAttributes.Archive) ? @"\Archive"
        : null;

    private static StoreFlags Flags(MailKit.MessageFlags? flags)
    {
        var f = flags ?? MailKit.MessageFlags.None;
        var result = StoreFlags.None;
        if (f.HasFlag(MailKit.MessageFlags.Seen)) result |= StoreFlags.Seen;
        if (f.HasFlag(MailKit.MessageFlags.Answered)) result |= StoreFlags.Answered;
        if (f.HasFlag(MailKit.MessageFlags.Flagged)) result |= StoreFlags.Flagged;
        if (f.HasFlag(MailKit.MessageFlags.Deleted)) result |= StoreFlags.Deleted;
        if (f.HasFlag(MailKit.MessageFlags.Draft)) result |= StoreFlags.Draft;
        return result;
    }
}
