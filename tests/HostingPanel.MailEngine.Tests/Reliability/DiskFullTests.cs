using HostingPanel.MailEngine.Storage;
using HostingPanel.MailEngine.Tests.ImapServer;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace HostingPanel.MailEngine.Tests.Reliability;

/// <summary>
/// Issue 10 item 5, disk full and failing fsync, through the real SMTP and IMAP listeners: the store's
/// file layer fails where the kernel would (write: ENOSPC; fsync of the body or of its directory: EIO).
/// A failed write is answered as a temporary failure (SMTP 452 4.3.1 / 451 4.3.0, IMAP NO), never as
/// 250 or OK; nothing partial is visible, nothing is left behind, and the service resumes at once.
/// The same on a real full file system: <see cref="TmpfsDiskFullTests"/>.
/// </summary>
public sealed class DiskFullTests
{
    private static async Task<(EngineHost Engine, FaultInjectingFileSystem Files)> StartAsync()
    {
        var files = new FaultInjectingFileSystem();
        var engine = await EngineHost.StartAsync(null, services => services.Replace(ServiceDescriptor.Singleton<IStoreFileSystem>(files)));
        return (engine, files);
    }

    [Fact]
    public async Task Enospc_SmtpAnswers452_431_AppendAnswersNo_NothingStored_ServiceResumesWhenSpaceReturns()
    {
        var (engine, files) = await StartAsync();
        await using var _ = engine;
        var account = await engine.CreateMailboxAsync("full@example.com", quotaBytes: 10_000_000);
        Assert.StartsWith("250 ", await ReliabilityWire.SmtpDeliverAsync(engine.SmtpPort, "full@example.com", ReliabilityWire.Message("before")));
        await using var wire = await ImapServerClients.WireAsync(engine, "full@example.com");
        Assert.StartsWith("b1 OK", await ReliabilityWire.ImapAppendAsync(wire, "b1", "INBOX", ReliabilityWire.Message("appended before")));
        var before = await StoreAudit.AssertConsistentAsync(engine, account);

        files.DiskFull = true;
        Assert.StartsWith("452 4.3.1", await ReliabilityWire.SmtpDeliverAsync(engine.SmtpPort, "full@example.com", ReliabilityWire.Message("while full", 20_000)));
        var refused = await ReliabilityWire.ImapAppendAsync(wire, "f1", "INBOX", ReliabilityWire.Message("appended while full", 20_000));
        Assert.StartsWith("f1 NO", refused);
        Assert.DoesNotContain("OVERQUOTA", refused); // the server's disk, not the user's quota
        Assert.True(files.InjectedFailures >= 2, "the fault was never reached: the test proved nothing");
        Assert.Equal(before, await StoreAudit.AssertConsistentAsync(engine, account));
        // The session survived the failure and still answers.
        Assert.StartsWith("n1 OK", (await wire.CommandAsync("n1 NOOP")).Last());

        files.Heal();
        Assert.StartsWith("250 ", await ReliabilityWire.SmtpDeliverAsync(engine.SmtpPort, "full@example.com", ReliabilityWire.Message("after")));
        Assert.StartsWith("a1 OK", await ReliabilityWire.ImapAppendAsync(wire, "a1", "INBOX", ReliabilityWire.Message("appended after")));
        var after = await StoreAudit.AssertConsistentAsync(engine, account);
        Assert.Equal(before.Messages + 2, after.Messages);
    }

    [Theory]
    [InlineData("file")]
    [InlineData("directory")]
    public async Task FsyncFailure_IsAFailedWrite_NeverAnAcknowledgement(string which)
    {
        var (engine, files) = await StartAsync();
        await using var _ = engine;
        var account = await engine.CreateMailboxAsync("sync@example.com");
        await using var wire = await ImapServerClients.WireAsync(engine, "sync@example.com");

        if (which == "file") files.FileFsyncFails = true;
        else files.DirectoryFsyncFails = true;
        var smtp = await ReliabilityWire.SmtpDeliverAsync(engine.SmtpPort, "sync@example.com", ReliabilityWire.Message("unsynced"));
        Assert.StartsWith("451 4.3.0", smtp);
        var append = await ReliabilityWire.ImapAppendAsync(wire, "s1", "INBOX", ReliabilityWire.Message("unsynced append"));
        Assert.StartsWith("s1 NO", append);
        Assert.True(files.InjectedFailures >= 2, "the fault was never reached: the test proved nothing");
        var audit = await StoreAudit.AssertConsistentAsync(engine, account);
        Assert.Equal(0, audit.Messages);
        Assert.Contains("* STATUS INBOX (MESSAGES 0)", await wire.CommandAsync("x1 STATUS INBOX (MESSAGES)"));

        files.Heal();
        Assert.StartsWith("250 ", await ReliabilityWire.SmtpDeliverAsync(engine.SmtpPort, "sync@example.com", ReliabilityWire.Message("synced")));
        Assert.Equal(1, (await StoreAudit.AssertConsistentAsync(engine, account)).Messages);
    }
}
