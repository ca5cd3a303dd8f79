using System.IO.Compression;
using HostingPanel.MailEngine.Transfer;
using HostingPanel.MailEngine.Storage;
using Microsoft.AspNetCore.Http.Features;

namespace HostingPanel.Web.Features.Transfer;

public enum ExportFormat { Mbox, Maildir }

/// <summary>
/// Streams a mailbox (or one folder) to an HTTP response as one mbox file or a zip of Maildir folders, message by
/// message: nothing is held whole in memory, so a mailbox of any size downloads at disk speed. Used by the API and
/// the portal. The total of the mailbox's bytes is sent as <c>X-Mailbox-Bytes</c> for a progress bar (the file itself
/// is a little larger or smaller: separators, LF line ends, compression).
/// </summary>
public sealed class MailboxExporter(IMailboxTransfer transfer)
{
    public static ExportFormat? ParseFormat(string? format) => format?.ToLowerInvariant() switch
    {
        null or "" or "mbox" => ExportFormat.Mbox,
        "maildir" or "zip" => ExportFormat.Maildir,
        _ => null,
    };

    /// <summary>
    /// False when the folder asked for does not exist (nothing written yet, so the caller can still answer 404). A mailbox
    /// the engine does not have yet (just created, still pending) has no mail: its export is an empty file.
    /// </summary>
    /// <param name="progress">Told the total first (<paramref name="progress"/> is made with it), then each message's bytes as it
    /// is sent, and done at the end (a progress bar; <see cref="ExportProgress"/>).</param>
    public async Task<bool> WriteAsync(HttpContext http, string address, ExportFormat format, string? folder, CancellationToken ct,
        Func<long, Action<long, bool>?>? progress = null)
    {
        var account = await transfer.FindAsync(address, ct);
        var folders = account is null ? [] : await transfer.ListFoldersAsync(account.Id, ct);
        if (folder is not null)
        {
            folders = folders.Where(f => f.Name == folder).ToList();
            if (folders.Count == 0) return false;
        }

        var response = http.Response;
        var stem = (address + (folder is null ? "" : "-" + folder)).Replace('/', '-');
        var file = format == ExportFormat.Mbox ? stem + ".mbox" : stem + ".zip";
        response.ContentType = format == ExportFormat.Mbox ? "application/mbox" : "application/zip";
        response.Headers.ContentDisposition = new System.Net.Mime.ContentDisposition { FileName = file, DispositionType = "attachment" }.ToString();
        response.Headers["X-Mailbox-Bytes"] = folders.Sum(f => f.Bytes).ToString(System.Globalization.CultureInfo.InvariantCulture);
        response.Headers.CacheControl = "no-store";
        var report = progress?.Invoke(folders.Sum(f => f.Bytes));
        try
        {
            await WriteMessagesAsync(http, account, folders, format, report, ct);
        }
        finally
        {
            report?.Invoke(0, true);
        }
        return true;
    }

    private async Task WriteMessagesAsync(HttpContext http, MailboxAccount? account, IReadOnlyList<TransferFolder> folders, ExportFormat format,
        Action<long, bool>? report, CancellationToken ct)
    {
        var response = http.Response;

        if (format == ExportFormat.Mbox)
        {
            foreach (var f in folders)
                foreach (var m in await transfer.ListMessagesAsync(account!.Id, f.Name, ct))
                {
                    if (TryOpen(m) is not { } body) continue;
                    await using (body)
                        await MboxFormat.WriteMessageAsync(response.Body, f.Name, m.Flags, m.Keywords, m.InternalDate, body, ct);
                    report?.Invoke(m.Size, false);
                }
            return;
        }

        // ZipArchive writes synchronously; a streamed (non-seekable) zip uses data descriptors, so nothing is buffered whole.
        if (http.Features.Get<IHttpBodyControlFeature>() is { } control) control.AllowSynchronousIO = true;
        using (var zip = new ZipArchive(response.Body, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var f in folders)
                foreach (var m in await transfer.ListMessagesAsync(account!.Id, f.Name, ct))
                {
                    ct.ThrowIfCancellationRequested();
                    if (TryOpen(m) is not { } body) continue;
                    using (body) MaildirZipFormat.WriteMessage(zip, f.Name, m.Uid, m.Size, m.Flags, m.InternalDate, body);
                    report?.Invoke(m.Size, false);
                }
        }
    }

    private Stream? TryOpen(TransferMessage m)
    {
        try
        {
            return transfer.OpenBody(m);
        }
        catch (FileNotFoundException)
        {
            return null; // expunged while the export ran
        }
    }
}
