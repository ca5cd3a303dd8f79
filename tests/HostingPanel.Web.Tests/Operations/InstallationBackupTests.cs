using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using HostingPanel.Web.Tests.Infrastructure;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Net.Smtp;
using MailKit.Search;
using MailKit.Security;
using MimeKit;

namespace HostingPanel.Web.Tests.Operations;

/// <summary>
/// `backup --to DIR` beside a running product under a steady SMTP delivery load, `restore --from DIR` into a fresh data
/// directory, and the product started on it: the same domains, mailboxes and aliases, every message with its UID, flags,
/// keywords and internal date, and every folder's UIDVALIDITY and UIDNEXT, so that a mail program's cache stays valid.
/// Also the scheduled backup (Backup:Directory) and a damaged backup refused.
/// </summary>
public sealed class InstallationBackupTests : IDisposable
{
    private const string ApiKey = "hp_backup_test_key_0123456789abcdefghijklmnop";
    private const string Password = "backup-password-1";
    private const string Domain = "kept.example";
    private readonly string _root = Path.Combine(Path.GetTempPath(), "hp-backup", Guid.NewGuid().ToString("N"));
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private string Dir(string name) => Path.Combine(_root, name);

    private string[] Args(string data, params string[] extra) => ProductProcess.IsolatedArgs(data, withMail: true)
        .Concat([$"--Bootstrap:ApiKey={ApiKey}", "--Mail:AllowPlaintextAuth=true", "--Mail:Auth:FailureDelay=00:00:00", "--Domains:RequireVerification=false"])
        .Concat(extra).ToArray();

    [Fact]
    public async Task BackupUnderDeliveryLoad_RestoredIntoAFreshDirectory_HasEveryMessageFlagUidAndUidValidity()
    {
        await using var source = ProductProcess.Start(_root.EnsureExists(), Args(Dir("source"), $"--Backup:Directory={Dir("scheduled")}", "--Backup:Interval=00:00:05"));
        Assert.True(await source.WaitUntilRunningAsync(ProductProcess.StartTimeout), source.Stdout + source.Stderr);
        using var api = Api(source);
        var customer = await PostAsync(api, "/api/v1/customers", new
        {
            name = "Kept", email = "owner@kept-customer.example", password = "customer-password-1",
            limits = new { maxDomains = 1, maxMailboxes = 5, diskQuotaMb = 1000 },
        });
        await PostAsync(api, "/api/v1/domains", new { name = Domain, customerId = customer.GetProperty("id").GetString() });
        foreach (var box in new[] { "quiet", "busy" })
            await PostAsync(api, $"/api/v1/domains/{Domain}/mailboxes", new { localPart = box, password = Password, quotaMb = 200, displayName = "The " + box });
        await PostAsync(api, $"/api/v1/domains/{Domain}/aliases", new { localPart = "team", destinations = new[] { $"busy@{Domain}", $"quiet@{Domain}" } });
        await WaitActiveAsync(api);

        // The quiet mailbox: folders, flags, keywords and dates that must come back exactly, with their UIDs.
        using (var imap = await ImapAsync(source, "quiet"))
        {
            var archive = (await imap.GetFolder(imap.PersonalNamespaces[0]).CreateAsync("Projects", true, Ct))!;
            for (var i = 0; i < 6; i++)
            {
                var folder = i % 2 == 0 ? imap.Inbox : archive;
                var request = new AppendRequest(Message($"quiet {i}"), i % 3 == 0 ? MessageFlags.Seen | MessageFlags.Flagged : MessageFlags.Answered)
                {
                    InternalDate = new DateTimeOffset(2019, 5, 1 + i, 8, 0, 0, TimeSpan.Zero),
                    Keywords = i == 4 ? new HashSet<string> { "$Important" } : null,
                };
                await folder.AppendAsync(request, Ct);
            }
            // An expunge leaves a hole in the UIDs and moves UIDNEXT past it: both must survive.
            await imap.Inbox.OpenAsync(FolderAccess.ReadWrite, Ct);
            await imap.Inbox.AddFlagsAsync(new UniqueId(1), MessageFlags.Deleted, true, Ct);
            await imap.Inbox.ExpungeAsync(Ct);
        }
        var quietBefore = await StateAsync(source, "quiet");

        // Steady delivery to the busy mailbox (directly and through the alias) while the backup runs.
        using var load = new CancellationTokenSource();
        var delivered = 0;
        var loader = Task.Run(async () =>
        {
            using var smtp = new SmtpClient();
            await smtp.ConnectAsync("127.0.0.1", source.MailPort("smtp"), SecureSocketOptions.None, Ct);
            while (!load.IsCancellationRequested)
            {
                var to = delivered % 5 == 4 ? $"team@{Domain}" : $"busy@{Domain}";
                var m = Message($"load {delivered}");
                m.To.Clear();
                m.To.Add(MailboxAddress.Parse(to));
                await smtp.SendAsync(m, Ct);
                Interlocked.Increment(ref delivered);
            }
            await smtp.DisconnectAsync(true, Ct);
        }, Ct);
        await WaitUntilAsync(() => Volatile.Read(ref delivered) >= 20, "20 deliveries before the backup");

        // The alias reaches the quiet mailbox's INBOX too: its Projects folder is compared exactly, its INBOX as a prefix.
        await using (var backup = ProductProcess.Start(_root, "backup", "--to", Dir("backup"), $"--Storage:DataDirectory={Dir("source")}"))
        {
            Assert.Equal(0, await backup.WaitForExitAsync(TimeSpan.FromMinutes(5)));
            Assert.Contains("verified against SHA256SUMS", backup.Stdout);
        }
        var duringBackup = Volatile.Read(ref delivered);
        await WaitUntilAsync(() => Volatile.Read(ref delivered) >= duringBackup + 5, "deliveries after the backup");
        await load.CancelAsync();
        await loader;
        Assert.True(File.Exists(Path.Combine(Dir("backup"), "SHA256SUMS")));

        var busySource = await StateAsync(source, "busy");
        var quietSource = await StateAsync(source, "quiet");
        var listsSource = await ListsAsync(api);

        // A fresh data directory, restored and started.
        await using (var restore = ProductProcess.Start(_root, "restore", "--from", Dir("backup"), $"--Storage:DataDirectory={Dir("restored")}"))
        {
            Assert.Equal(0, await restore.WaitForExitAsync(TimeSpan.FromMinutes(5)));
            Assert.Contains("Backup verified", restore.Stdout);
        }
        await using var restored = ProductProcess.Start(_root, Args(Dir("restored")));
        Assert.True(await restored.WaitUntilRunningAsync(ProductProcess.StartTimeout), restored.Stdout + restored.Stderr);
        using var restoredApi = Api(restored);
        Assert.Equal(listsSource, await ListsAsync(restoredApi));

        var quietRestored = await StateAsync(restored, "quiet");
        // Projects saw no delivery: identical, UIDVALIDITY and UIDNEXT included.
        Assert.Equal(quietBefore.Folders["Projects"], quietRestored.Folders["Projects"]);
        Assert.Equal(quietBefore.Messages.Where(m => m.Folder == "Projects"), quietRestored.Messages.Where(m => m.Folder == "Projects"));
        Assert.Equal(5, quietRestored.Messages.Count(m => m.Subject.StartsWith("quiet", StringComparison.Ordinal)));
        AssertConsistentPrefix(quietSource, quietRestored);
        var busyRestored = await StateAsync(restored, "busy");
        AssertConsistentPrefix(busySource, busyRestored);
        // Everything delivered before the backup started is there.
        Assert.True(busyRestored.Messages.Count >= 20, $"{busyRestored.Messages.Count} messages restored");

        // The restored installation takes new mail after the restored UIDs, never reusing one.
        using (var smtp = new SmtpClient())
        {
            await smtp.ConnectAsync("127.0.0.1", restored.MailPort("smtp"), SecureSocketOptions.None, Ct);
            var m = Message("after restore");
            m.To.Clear();
            m.To.Add(MailboxAddress.Parse($"busy@{Domain}"));
            await smtp.SendAsync(m, Ct);
            await smtp.DisconnectAsync(true, Ct);
        }
        var busyAfter = await StateAsync(restored, "busy");
        var newest = busyAfter.Messages.Single(m => m.Subject == "after restore");
        Assert.Equal(busyRestored.Folders["INBOX"].UidNext, newest.Uid);

        // The scheduled backup wrote a complete one beside the running product, and it restores.
        await WaitUntilAsync(() => Directory.Exists(Dir("scheduled"))
            && Directory.EnumerateDirectories(Dir("scheduled"), "backup-*").Any(d => File.Exists(Path.Combine(d, "SHA256SUMS"))), "a scheduled backup", TimeSpan.FromMinutes(3));
        var scheduled = Directory.EnumerateDirectories(Dir("scheduled"), "backup-*").First(d => File.Exists(Path.Combine(d, "SHA256SUMS")));
        await using (var restore = ProductProcess.Start(_root, "restore", "--from", scheduled, $"--Storage:DataDirectory={Dir("from-schedule")}"))
            Assert.Equal(0, await restore.WaitForExitAsync(TimeSpan.FromMinutes(5)));
        Assert.True(File.Exists(Path.Combine(Dir("from-schedule"), "mail.db")));
    }

    [Fact]
    public async Task DamagedBackup_OrOccupiedDataDirectory_IsRefused_AndNothingIsWritten()
    {
        await using (var source = ProductProcess.Start(_root.EnsureExists(), Args(Dir("source"))))
            Assert.True(await source.WaitUntilRunningAsync(ProductProcess.StartTimeout), source.Stdout + source.Stderr);
        await using (var backup = ProductProcess.Start(_root, "backup", "--to", Dir("backup"), $"--Storage:DataDirectory={Dir("source")}"))
            Assert.Equal(0, await backup.WaitForExitAsync(TimeSpan.FromMinutes(5)));

        // Into a data directory that already holds an installation: refused.
        await using (var restore = ProductProcess.Start(_root, "restore", "--from", Dir("backup"), $"--Storage:DataDirectory={Dir("source")}"))
        {
            Assert.Equal(1, await restore.WaitForExitAsync(TimeSpan.FromMinutes(5)));
            Assert.Contains("is not empty", restore.Stderr);
        }
        // Backing up into a directory that is not empty: refused.
        await using (var again = ProductProcess.Start(_root, "backup", "--to", Dir("backup"), $"--Storage:DataDirectory={Dir("source")}"))
        {
            Assert.Equal(1, await again.WaitForExitAsync(TimeSpan.FromMinutes(5)));
            Assert.Contains("is not empty", again.Stderr);
        }

        // One byte of one file changed: refused before anything is written.
        var victim = Directory.EnumerateFiles(Path.Combine(Dir("backup"), "data"), "*", SearchOption.AllDirectories).First(f => new FileInfo(f).Length > 0);
        var bytes = await File.ReadAllBytesAsync(victim, Ct);
        bytes[0] ^= 1;
        await File.WriteAllBytesAsync(victim, bytes, Ct);
        await using (var restore = ProductProcess.Start(_root, "restore", "--from", Dir("backup"), $"--Storage:DataDirectory={Dir("fresh")}"))
        {
            Assert.Equal(1, await restore.WaitForExitAsync(TimeSpan.FromMinutes(5)));
            Assert.Contains("does not match its checksum", restore.Stderr);
        }
        Assert.DoesNotContain(Directory.EnumerateFileSystemEntries(Dir("fresh")), e => !Path.GetFileName(e).StartsWith(".write-test", StringComparison.Ordinal));

        // A manifest naming a path outside the backup: refused as unsafe.
        var manifest = Path.Combine(Dir("backup"), "SHA256SUMS");
        await File.AppendAllTextAsync(manifest, new string('0', 64) + "  data/../../../etc/passwd\n", Ct);
        await using (var restore = ProductProcess.Start(_root, "restore", "--from", Dir("backup"), $"--Storage:DataDirectory={Dir("fresh2")}"))
        {
            Assert.Equal(1, await restore.WaitForExitAsync(TimeSpan.FromMinutes(5)));
            Assert.Contains("unsafe", restore.Stderr);
        }

        // No directory named: the usage line, exit code 2.
        await using (var usage = ProductProcess.Start(_root, "backup"))
        {
            Assert.Equal(2, await usage.WaitForExitAsync(TimeSpan.FromMinutes(5)));
            Assert.Contains("Usage: backup --to DIR", usage.Stderr);
        }
    }

    /// <summary>Every restored message is the source's message with that UID, and the restored UIDs are all the source's up to the highest restored one.</summary>
    private static void AssertConsistentPrefix(MailboxState source, MailboxState restored)
    {
        foreach (var (folder, state) in restored.Folders)
        {
            Assert.Equal(source.Folders[folder].UidValidity, state.UidValidity);
            Assert.True(state.UidNext <= source.Folders[folder].UidNext, $"{folder}: UIDNEXT {state.UidNext} restored, {source.Folders[folder].UidNext} at the source");
            var restoredMessages = restored.Messages.Where(m => m.Folder == folder).ToList();
            var sourceMessages = source.Messages.Where(m => m.Folder == folder && m.Uid < state.UidNext).ToList();
            Assert.Equal(sourceMessages, restoredMessages);
        }
        Assert.Equal(source.Folders.Keys.Order(), restored.Folders.Keys.Order());
    }

    private sealed record FolderState(uint UidValidity, uint UidNext);
    private sealed record MessageState(string Folder, uint Uid, string? MessageId, string Subject, uint Size, MessageFlags Flags, string Keywords, long InternalDate);
    private sealed record MailboxState(Dictionary<string, FolderState> Folders, List<MessageState> Messages);

    private static async Task<MailboxState> StateAsync(ProductProcess product, string localPart)
    {
        using var imap = await ImapAsync(product, localPart);
        var folders = new Dictionary<string, FolderState>();
        var messages = new List<MessageState>();
        foreach (var folder in await imap.GetFoldersAsync(imap.PersonalNamespaces[0], cancellationToken: Ct))
        {
            if (folder.Attributes.HasFlag(FolderAttributes.NonExistent) || folder.Attributes.HasFlag(FolderAttributes.NoSelect)) continue;
            await folder.OpenAsync(FolderAccess.ReadOnly, Ct);
            folders[folder.FullName] = new FolderState(folder.UidValidity, folder.UidNext?.Id ?? 0);
            if (folder.Count > 0)
                foreach (var m in await folder.FetchAsync(0, -1, MessageSummaryItems.UniqueId | MessageSummaryItems.Envelope | MessageSummaryItems.Size | MessageSummaryItems.Flags | MessageSummaryItems.InternalDate, Ct))
                    messages.Add(new MessageState(folder.FullName, m.UniqueId.Id, m.Envelope!.MessageId, m.Envelope.Subject ?? "", m.Size ?? 0,
                        m.Flags!.Value & ~MessageFlags.Recent, string.Join(' ', m.Keywords.Order()), m.InternalDate!.Value.ToUnixTimeSeconds()));
            await folder.CloseAsync(false, Ct);
        }
        await imap.DisconnectAsync(true, Ct);
        return new MailboxState(folders, messages.OrderBy(m => m.Folder, StringComparer.Ordinal).ThenBy(m => m.Uid).ToList());
    }

    /// <summary>Domains, mailboxes (address, name, quota, status) and aliases (with destinations), as the API lists them.</summary>
    private static async Task<string> ListsAsync(HttpClient api)
    {
        var domains = await api.GetFromJsonAsync<JsonElement>("/api/v1/domains?pageSize=100", Ct);
        var lines = new List<string>();
        foreach (var d in domains.GetProperty("items").EnumerateArray())
        {
            var name = d.GetProperty("name").GetString();
            lines.Add($"domain {name} {d.GetProperty("status").GetString()}");
            foreach (var m in (await api.GetFromJsonAsync<JsonElement>($"/api/v1/domains/{name}/mailboxes?pageSize=100", Ct)).GetProperty("items").EnumerateArray())
                lines.Add($"mailbox {m.GetProperty("address").GetString()} {m.GetProperty("displayName")} {m.GetProperty("quotaMb")} {m.GetProperty("status").GetString()}");
            foreach (var a in (await api.GetFromJsonAsync<JsonElement>($"/api/v1/domains/{name}/aliases?pageSize=100", Ct)).GetProperty("items").EnumerateArray())
                lines.Add($"alias {a.GetProperty("localPart").GetString()} {string.Join(',', a.GetProperty("destinations").EnumerateArray().Select(x => x.GetString()).Order())}");
        }
        return string.Join('\n', lines.Order(StringComparer.Ordinal));
    }

    private static async Task WaitActiveAsync(HttpClient api)
    {
        await WaitUntilAsync(async () =>
        {
            var boxes = await api.GetFromJsonAsync<JsonElement>($"/api/v1/domains/{Domain}/mailboxes", Ct);
            var aliases = await api.GetFromJsonAsync<JsonElement>($"/api/v1/domains/{Domain}/aliases", Ct);
            return boxes.GetProperty("items").EnumerateArray().Concat(aliases.GetProperty("items").EnumerateArray())
                .All(e => e.GetProperty("status").GetString() == "active");
        }, "mailboxes and alias active");
    }

    private static Task WaitUntilAsync(Func<bool> condition, string what, TimeSpan? timeout = null) =>
        WaitUntilAsync(() => Task.FromResult(condition()), what, timeout);

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(90));
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("waited in vain for " + what);
            await Task.Delay(100, Ct);
        }
    }

    private static MimeMessage Message(string subject)
    {
        var m = new MimeMessage();
        m.From.Add(new MailboxAddress("Sender", "sender@elsewhere.example"));
        m.To.Add(new MailboxAddress("Someone", $"quiet@{Domain}"));
        m.Subject = subject;
        m.MessageId = MimeKit.Utils.MimeUtils.GenerateMessageId("elsewhere.example");
        m.Body = new TextPart("plain") { Text = $"The body of {subject}.\n" };
        return m;
    }

    private static async Task<ImapClient> ImapAsync(ProductProcess product, string localPart)
    {
        var imap = new ImapClient();
        await imap.ConnectAsync("127.0.0.1", product.MailPort("imap"), SecureSocketOptions.None, Ct);
        await imap.AuthenticateAsync($"{localPart}@{Domain}", Password, Ct);
        return imap;
    }

    private static HttpClient Api(ProductProcess product)
    {
        var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{product.HttpPort}") };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ApiKey);
        return client;
    }

    private static async Task<JsonElement> PostAsync(HttpClient api, string path, object body)
    {
        var response = await api.PostAsJsonAsync(path, body, Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.IsSuccessStatusCode, $"{path}: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }
}

internal static class DirectoryExtensions
{
    public static string EnsureExists(this string directory)
    {
        Directory.CreateDirectory(directory);
        return directory;
    }
}
