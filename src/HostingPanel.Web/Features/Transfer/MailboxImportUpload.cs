using System.IO.Compression;
using HostingPanel.MailEngine.Transfer;

namespace HostingPanel.Web.Features.Transfer;

/// <summary>
/// An uploaded export file (mbox, or a zip of Maildir folders) put into a mailbox with <see cref="MailboxImporter"/>.
/// The upload is read as it arrives: mbox message by message; a zip is spooled to a temporary file first (its directory
/// is at the end), bounded by the mailbox's quota plus a margin (an export of the mailbox itself, all duplicates, still
/// fits), and its directory is inspected (<see cref="MaildirZipInspection"/>) before a message is read. A file that is not
/// mbox, or a zip that is hostile or holds no Maildir message, is refused as a whole with the reason.
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
            // Not mbox at all: the reader stopped at the first line, before any message.
            if (report.Imported == 0 && report.Duplicates == 0 && errors.Contains(MboxFormat.NotMbox)) return new Outcome(null, MboxFormat.NotMbox);
            return new Outcome(report, null);
        }

        // Compressed mail is smaller than stored mail; the margin covers zip overhead for a small mailbox.
        var limit = account.QuotaBytes == 0 ? long.MaxValue / 4 : account.QuotaBytes + 16 * 1024 * 1024;
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
                if (MaildirZipInspection.Refusal(zip, limit) is { } refusal) return new Outcome(null, refusal);
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
