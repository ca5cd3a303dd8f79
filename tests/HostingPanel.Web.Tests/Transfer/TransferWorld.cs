using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using HostingPanel.Web.Tests.Infrastructure;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Security;
using MimeKit;

namespace HostingPanel.Web.Tests.Transfer;

/// <summary>Mailboxes made through the API and filled and read over real IMAP, for export, import and migration tests.</summary>
public static class TransferWorld
{
    public const string Password = "transfer-password-1";
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A fresh customer with a domain; returns the domain.</summary>
    public static async Task<string> NewDomainAsync(HttpClient admin, long diskQuotaMb = 10_000)
    {
        var tag = "t" + Guid.NewGuid().ToString("N")[..8];
        var customer = await (await admin.PostAsJsonAsync("/api/v1/customers", new
        {
            name = "Transfer " + tag, email = $"{tag}@customers.example", password = Password,
            limits = new { maxDomains = 1, maxMailboxes = 10, diskQuotaMb },
        }, Ct)).EnsureSuccessStatusCode().Content.ReadFromJsonAsync<JsonElement>(Ct);
        var domain = $"{tag}.example";
        (await admin.PostAsJsonAsync("/api/v1/domains", new { name = domain, customerId = customer.GetProperty("id").GetString() }, Ct)).EnsureSuccessStatusCode();
        return domain;
    }

    /// <summary>Creates a mailbox and waits until the engine has it (status active).</summary>
    public static async Task<string> NewMailboxAsync(HttpClient admin, string domain, string localPart, long quotaMb = 100)
    {
        (await admin.PostAsJsonAsync($"/api/v1/domains/{domain}/mailboxes", new { localPart, password = Password, quotaMb }, Ct)).EnsureSuccessStatusCode();
        var sw = Stopwatch.StartNew();
        while ((await admin.GetFromJsonAsync<JsonElement>($"/api/v1/domains/{domain}/mailboxes/{localPart}", Ct)).GetProperty("status").GetString() != "active")
        {
            if (sw.Elapsed > TimeSpan.FromSeconds(60)) throw new TimeoutException($"{localPart}@{domain} never became active");
            await Task.Delay(50, Ct);
        }
        return $"{localPart}@{domain}";
    }

    public static async Task<ImapClient> ImapAsync(MailHostFixture host, string address)
    {
        var imap = new ImapClient();
        await imap.ConnectAsync("127.0.0.1", host.Port("imap"), SecureSocketOptions.None, Ct);
        await imap.AuthenticateAsync(address, Password, Ct);
        return imap;
    }

    /// <summary>What a message is, compared across servers: Message-ID, size, flags, keywords, internal date (to the second).</summary>
    public sealed record Fingerprint(string Folder, string? MessageId, uint Size, MessageFlags Flags, string Keywords, long InternalDate);

    /// <summary>Every message of every folder (by full name), in a stable order.</summary>
    public static async Task<List<Fingerprint>> FingerprintsAsync(ImapClient imap, Func<string, string>? mapFolder = null)
    {
        var result = new List<Fingerprint>();
        var folders = await imap.GetFoldersAsync(imap.PersonalNamespaces[0], cancellationToken: Ct);
        foreach (var folder in folders.Where(f => !f.Attributes.HasFlag(FolderAttributes.NonExistent) && !f.Attributes.HasFlag(FolderAttributes.NoSelect)))
        {
            await folder.OpenAsync(FolderAccess.ReadOnly, Ct);
            if (folder.Count > 0)
            {
                var items = await folder.FetchAsync(0, -1, MessageSummaryItems.Envelope | MessageSummaryItems.Size | MessageSummaryItems.Flags | MessageSummaryItems.InternalDate, Ct);
                foreach (var m in items)
                    result.Add(new Fingerprint(mapFolder?.Invoke(folder.FullName) ?? folder.FullName, m.Envelope!.MessageId, m.Size ?? 0,
                        m.Flags!.Value & ~MessageFlags.Recent, string.Join(' ', m.Keywords.Order()), m.InternalDate!.Value.ToUnixTimeSeconds()));
            }
            await folder.CloseAsync(false, Ct);
        }
        return result.OrderBy(f => f.Folder, StringComparer.Ordinal).ThenBy(f => f.MessageId).ThenBy(f => f.InternalDate).ToList();
    }

    public static MimeMessage Message(string subject, string body, string? messageId = "auto")
    {
        var m = new MimeMessage();
        m.From.Add(new MailboxAddress("Sender", "sender@elsewhere.example"));
        m.To.Add(new MailboxAddress("Someone", "someone@elsewhere.example"));
        m.Subject = subject;
        m.Date = new DateTimeOffset(2021, 3, 4, 5, 6, 7, TimeSpan.FromHours(2));
        if (messageId == "auto") m.MessageId = MimeKit.Utils.MimeUtils.GenerateMessageId("elsewhere.example");
        else if (messageId is null) m.Headers.Remove(HeaderId.MessageId);
        else m.MessageId = messageId;
        m.Body = new TextPart("plain") { Text = body };
        // ASCII bodies go as they are (7bit), so that a "From " line at a line start stays one.
        if (body.All(char.IsAscii)) ((TextPart)m.Body).ContentTransferEncoding = ContentEncoding.SevenBit;
        return m;
    }
}
