using System.Text;
using Amazon.S3;
using Amazon.S3.Model;
using HostingPanel.MailEngine.Maintenance;
using HostingPanel.MailEngine.Storage.Blobs;
using HostingPanel.MailEngine.Tests.Smtp;
using HostingPanel.Testing;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Net.Pop3;
using MailKit.Security;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;

namespace HostingPanel.MailEngine.Tests.S3;

/// <summary>One Ceph cluster for the class, started at the first test that needs it.</summary>
public sealed class CephFixture : IAsyncDisposable
{
    private readonly Lock _lock = new();
    private Task<CephRadosGateway>? _start;

    public Task<CephRadosGateway> GetAsync()
    {
        lock (_lock)
            return _start ??= CephRadosGateway.StartAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (_start is { IsCompletedSuccessfully: true })
            await _start.Result.DisposeAsync();
    }
}

/// <summary>
/// Issue 24 item 1: <c>Storage:Blobs:Provider=S3</c> against a real radosgw (Ceph 16 from Debian). Each
/// test has a bucket of its own; what is in the bucket is checked with a separate S3 client.
/// </summary>
public sealed class S3BlobStoreTests(CephFixture ceph) : IClassFixture<CephFixture>
{
    private static string NewBucket() => "hp-" + Guid.NewGuid().ToString("N")[..16];

    private async Task<(EngineHost Engine, CephRadosGateway Gateway, string Bucket)> StartAsync()
    {
        var gateway = await ceph.GetAsync();
        var bucket = NewBucket();
        await gateway.CreateBucketAsync(bucket);
        return (await EngineHost.StartAsync(gateway.Settings(bucket)), gateway, bucket);
    }

    private static AmazonS3Client Client(CephRadosGateway gateway) => new(
        new Amazon.Runtime.BasicAWSCredentials(CephRadosGateway.AccessKey, CephRadosGateway.SecretKey),
        new AmazonS3Config
        {
            ServiceURL = gateway.ServiceUrl,
            ForcePathStyle = true,
            AuthenticationRegion = "us-east-1",
            RequestChecksumCalculation = Amazon.Runtime.RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = Amazon.Runtime.ResponseChecksumValidation.WHEN_REQUIRED,
        });

    private static async Task<List<string>> KeysAsync(CephRadosGateway gateway, string bucket)
    {
        using var client = Client(gateway);
        var page = await client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket });
        return (page.S3Objects ?? []).Select(o => o.Key).Order().ToList();
    }

    private static async Task<string> ObjectTextAsync(CephRadosGateway gateway, string bucket, string key)
    {
        using var client = Client(gateway);
        using var response = await client.GetObjectAsync(bucket, key);
        return await new StreamReader(response.ResponseStream).ReadToEndAsync();
    }

    private static List<string> LocalBodyFiles(EngineHost engine) =>
        System.IO.Directory.EnumerateFiles(engine.Store.Bodies.Root, "*", SearchOption.AllDirectories).ToList();

    [Fact]
    public async Task SmtpDelivery_IsAnObjectInTheBucketWhenThe250Comes_AndImapAndPop3ReadItBack()
    {
        var (engine, gateway, bucket) = await StartAsync();
        await using var _ = engine;
        Assert.True(engine.Store.Bodies.IsObjectStore);
        var adam = await engine.CreateMailboxAsync("adam@example.com");
        var body = string.Join("\r\n", Enumerable.Range(0, 3000).Select(i => $"line {i} of a body larger than one read")) + "\r\n";
        using (var smtp = await SmtpTestKit.ConnectAsync(engine.SmtpPort))
        {
            await smtp.SendAsync(SmtpTestKit.Message("alice@example.org", "adam@example.com", "kept in S3", body));
            // SendAsync returned: the 250 came. The object is in the bucket now, seen by another client.
            var key = Assert.Single(await KeysAsync(gateway, bucket));
            Assert.Matches("^[0-9a-f]{2}/[0-9a-f]{32}\\.eml$", key);
            var stored = await ObjectTextAsync(gateway, bucket, key);
            Assert.Contains("Subject: kept in S3", stored);
            Assert.Contains("line 2999 of a body", stored);
            await smtp.DisconnectAsync(true);
        }
        Assert.Empty(LocalBodyFiles(engine));

        using (var imap = new ImapClient())
        {
            await imap.ConnectAsync("127.0.0.1", engine.ImapPort, SecureSocketOptions.None);
            await imap.AuthenticateAsync("adam@example.com", EngineHost.Password);
            await imap.Inbox.OpenAsync(FolderAccess.ReadWrite);
            var message = await imap.Inbox.GetMessageAsync(0);
            Assert.Equal("kept in S3", message.Subject);
            Assert.Contains("line 2999 of a body", message.TextBody);
            var headers = await imap.Inbox.GetHeadersAsync(0);
            Assert.Equal("kept in S3", headers[HeaderId.Subject]);
            await imap.DisconnectAsync(true);
        }

        using (var pop3 = new Pop3Client())
        {
            await pop3.ConnectAsync("127.0.0.1", engine.Pop3Port, SecureSocketOptions.None);
            await pop3.AuthenticateAsync("adam@example.com", EngineHost.Password);
            var message = await pop3.GetMessageAsync(0);
            Assert.Contains("line 2999 of a body", message.TextBody);
            var top = await pop3.GetMessageHeadersAsync(0);
            Assert.Equal("kept in S3", top[HeaderId.Subject]);
            await pop3.DisconnectAsync(true);
        }
        // POP3 read through a temporary copy, removed when the handle closed.
        Assert.Empty(LocalBodyFiles(engine));
    }

    [Fact]
    public async Task ImapAppend_IsAnObjectWhenOkComes_AndExpunge_RemovesTheObject()
    {
        var (engine, gateway, bucket) = await StartAsync();
        await using var _ = engine;
        await engine.CreateMailboxAsync("adam@example.com");
        using var imap = new ImapClient();
        await imap.ConnectAsync("127.0.0.1", engine.ImapPort, SecureSocketOptions.None);
        await imap.AuthenticateAsync("adam@example.com", EngineHost.Password);
        var message = MimeMessage.Load(new MemoryStream(Encoding.ASCII.GetBytes(EngineHost.Message("appended"))));
        var uid = await imap.Inbox.AppendAsync(message);
        Assert.NotNull(uid);
        var key = Assert.Single(await KeysAsync(gateway, bucket));
        Assert.Contains("Subject: appended", await ObjectTextAsync(gateway, bucket, key));

        await imap.Inbox.OpenAsync(FolderAccess.ReadWrite);
        await imap.Inbox.AddFlagsAsync(uid!.Value, MessageFlags.Deleted, silent: true);
        await imap.Inbox.ExpungeAsync();
        await SmtpTestKit.EventuallyAsync(async () => (await KeysAsync(gateway, bucket)).Count == 0, "the expunged body's object to go");
    }

    [Fact]
    public async Task WhenTheObjectCannotBeStored_NothingIsAcknowledged_SmtpSays451_ImapSaysNo()
    {
        var (engine, gateway, bucket) = await StartAsync();
        await using var _ = engine;
        var adam = await engine.CreateMailboxAsync("adam@example.com");
        // The bucket goes away under the running node: every PUT now fails, as with the object store down.
        using (var client = Client(gateway))
            await client.DeleteBucketAsync(bucket);
        using (var smtp = await SmtpTestKit.ConnectAsync(engine.SmtpPort))
        {
            var refused = await Assert.ThrowsAsync<MailKit.Net.Smtp.SmtpCommandException>(() =>
                smtp.SendAsync(SmtpTestKit.Message("alice@example.org", "adam@example.com", "cannot be kept")));
            Assert.Equal(451, (int)refused.StatusCode);
        }
        using (var imap = new ImapClient())
        {
            await imap.ConnectAsync("127.0.0.1", engine.ImapPort, SecureSocketOptions.None);
            await imap.AuthenticateAsync("adam@example.com", EngineHost.Password);
            var message = MimeMessage.Load(new MemoryStream(Encoding.ASCII.GetBytes(EngineHost.Message("cannot be appended"))));
            await Assert.ThrowsAsync<ImapCommandException>(() => imap.Inbox.AppendAsync(message));
        }
        Assert.Empty(await engine.Store.ListMessagesAsync((await engine.InboxAsync(adam)).Id));
        Assert.Empty(LocalBodyFiles(engine));
    }

    [Fact]
    public async Task OrphanSweep_RemovesBodyObjectsNoRowReferences_AndLeavesTheRest()
    {
        var (engine, gateway, bucket) = await StartAsync();
        await using var _ = engine;
        var adam = await engine.CreateMailboxAsync("adam@example.com");
        await engine.DeliverAsync(adam, EngineHost.Message("kept"));
        var kept = Assert.Single(await KeysAsync(gateway, bucket));
        using (var client = Client(gateway))
        {
            // What a node that died between its PUT and its commit leaves behind, and something not ours.
            await client.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "ab/" + Guid.NewGuid().ToString("N") + ".eml", ContentBody = "orphan", UseChunkEncoding = false });
            await client.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "backups/notes.txt", ContentBody = "not a body", UseChunkEncoding = false });
        }
        var maintenance = engine.Services.GetServices<Microsoft.Extensions.Hosting.IHostedService>().OfType<MailMaintenanceService>().Single();
        // Within the in-flight grace period nothing is touched (another node may be about to commit).
        Assert.Equal(0, await maintenance.SweepOrphansAsync(TimeSpan.FromHours(1)));
        Assert.Equal(1, await maintenance.SweepOrphansAsync(TimeSpan.Zero));
        Assert.Equal(new[] { "backups/notes.txt", kept }.Order().ToList(), await KeysAsync(gateway, bucket));
        Assert.Single(await SmtpTestKit.InboxAsync(engine, adam));
    }

    [Fact]
    public async Task TwoNodesOnOnePostgreSqlAndOneBucket_EachServesWhatTheOtherStored()
    {
        var gateway = await ceph.GetAsync();
        var bucket = NewBucket();
        await gateway.CreateBucketAsync(bucket);
        await using var one = await EngineHost.StartPostgresAsync(gateway.Settings(bucket));
        var twoDirectory = Path.Combine(Path.GetTempPath(), "hp-node2-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(twoDirectory);
        try
        {
            // Node two: a data directory of its own (nothing shared on disk), the same database and bucket.
            await using var two = await EngineHost.StartOnAsync(twoDirectory, one.PanelConnectionString, gateway.Settings(bucket));
            var adam = await one.CreateMailboxAsync("adam@example.com");
            using (var smtp = await SmtpTestKit.ConnectAsync(one.SmtpPort))
            {
                await smtp.SendAsync(SmtpTestKit.Message("alice@example.org", "adam@example.com", "stored by node one"));
                await smtp.DisconnectAsync(true);
            }
            using (var imap = new ImapClient())
            {
                await imap.ConnectAsync("127.0.0.1", two.ImapPort, SecureSocketOptions.None);
                await imap.AuthenticateAsync("adam@example.com", EngineHost.Password);
                await imap.Inbox.OpenAsync(FolderAccess.ReadOnly);
                Assert.Equal("stored by node one", (await imap.Inbox.GetMessageAsync(0)).Subject);
                var appended = MimeMessage.Load(new MemoryStream(Encoding.ASCII.GetBytes(EngineHost.Message("appended on node two"))));
                await imap.Inbox.AppendAsync(appended);
            }
            var texts = await SmtpTestKit.InboxAsync(one, adam);
            Assert.Equal(2, texts.Count);
            Assert.Contains(texts, t => t.Contains("Subject: appended on node two"));
            Assert.Equal(2, (await KeysAsync(gateway, bucket)).Count);
            Assert.Empty(System.IO.Directory.EnumerateFiles(Path.Combine(twoDirectory, "store"), "*.eml", SearchOption.AllDirectories));
        }
        finally
        {
            System.IO.Directory.Delete(twoDirectory, recursive: true);
        }
    }
}

/// <summary>Bad <c>Storage:Blobs</c> settings stop the engine with a message naming the key (no S3 service needed).</summary>
public sealed class BlobStorageSettingsTests
{
    [Theory]
    [InlineData("Ftp", null, "Storage:Blobs:Provider is 'Ftp'; it must be File or S3.")]
    [InlineData("S3", null, "Storage:Blobs:S3:ServiceUrl is required when Storage:Blobs:Provider is S3.")]
    [InlineData("S3", "ftp://example.net", "Storage:Blobs:S3:ServiceUrl 'ftp://example.net' is not an http(s) URL")]
    public async Task BadSettings_StopTheStart_NamingTheKey(string provider, string? serviceUrl, string message)
    {
        var settings = new Dictionary<string, string?> { ["Storage:Blobs:Provider"] = provider };
        if (serviceUrl is not null)
        {
            settings["Storage:Blobs:S3:ServiceUrl"] = serviceUrl;
            settings["Storage:Blobs:S3:Bucket"] = "b";
            settings["Storage:Blobs:S3:AccessKey"] = "a";
            settings["Storage:Blobs:S3:SecretKey"] = "s";
        }
        var e = await Assert.ThrowsAnyAsync<Exception>(() => EngineHost.StartAsync(settings));
        var cause = e;
        while (cause is not BlobStorageConfigurationException && cause.InnerException is not null)
            cause = cause.InnerException;
        Assert.StartsWith(message, Assert.IsType<BlobStorageConfigurationException>(cause).Message);
    }

    [Fact]
    public async Task TheDefault_IsFiles()
    {
        await using var engine = await EngineHost.StartAsync();
        Assert.False(engine.Store.Bodies.IsObjectStore);
    }
}
