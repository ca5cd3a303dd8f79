using System.IO.Compression;
using HostingPanel.MailEngine.Transfer;

namespace HostingPanel.Web.Features.Transfer;

/// <summary>
/// An uploaded export file (mbox, or a zip of Maildir folders) put into a mailbox with <see cref="MailboxImporter"/>.
/// The upload is read as it arrives: mbox message by message; a zip is spooled to a temporary file first (its directory
/// is at the end), bounded by the mailbox's free quota plus a margin, since more could never be stored anyway.
/// </summary>
public sealed class MailboxImportUpload(IMailboxTransfer transfer)
{
    public sealed record Outcome(ImportReport? Report, string? Problem, bool TooLarge = false, bool NotFound = false);

    public async Task<Outcome> ImportAsync(string address, ExportFormat format, string? folder, Stream upload, CancellationToken ct)
    {
        var account = await transfer.FindAsync(address, ct);
        if (account is null || !account.Active) return new Outcome(null, null, NotFound: true);
        var errors = new List<string>();
        if (format == ExportFormat.Mbox)
        {
            var messages = MboxFormat.ReadAsync(upload, folder ?? "INBOX", errors.Add, ct);
            var report = await MailboxImporter.ImportAsync(transfer, account.Id, messages, errors, ct);
            return new Outcome(report, null);
        }

        var free = account.QuotaBytes == 0 ? long.MaxValue / 4 : Math.Max(0, account.QuotaBytes - account.UsedBytes);
        // Compressed mail is smaller than stored mail; the margin covers zip overhead for a nearly empty mailbox.
        var limit = free + 16 * 1024 * 1024;
        var spool = Path.Combine(Path.GetTempPath(), $"hp-import-{Guid.NewGuid():N}.zip");
        try
        {
            await using (var file = new FileStream(spool, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, FileOptions.Asynchronous))
            {
                var chunk = new byte[81920];
                int read;
                while ((read = await upload.ReadAsync(chunk, ct)) > 0)
                {
                    if (file.Length + read > limit) return new Outcome(null, $"The file is larger than this mailbox could hold ({limit} bytes).", TooLarge: true);
                    await file.WriteAsync(chunk.AsMemory(0, read), ct);
                }
            }
            ZipArchive zip;
            try
            {
                zip = new ZipArchive(File.OpenRead(spool), ZipArchiveMode.Read);
            }
            catch (InvalidDataException)
            {
                return new Outcome(null, "The file is not a zip archive.");
            }
            using (zip)
            {
                var report = await MailboxImporter.ImportAsync(transfer, account.Id, MaildirZipFormat.Read(zip, errors.Add).ToAsyncEnumerable(), errors, ct);
                return new Outcome(report, null);
            }
        }
        finally
        {
            File.Delete(spool);
        }
    }
}
