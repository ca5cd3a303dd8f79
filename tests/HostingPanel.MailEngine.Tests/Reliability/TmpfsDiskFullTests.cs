using System.Diagnostics;
using HostingPanel.MailEngine.Tests.ImapServer;
using HostingPanel.Testing;

namespace HostingPanel.MailEngine.Tests.Reliability;

/// <summary>
/// Issue 10 item 5 on a real full file system: the whole data directory (SQLite database, WAL and
/// bodies) on a small tmpfs, filled to the last byte by another file. Needs mount(2) (root, as in CI);
/// elsewhere it skips, and <see cref="DiskFullTests"/> covers the same replies with an injected ENOSPC.
/// </summary>
public sealed class TmpfsDiskFullTests
{
    [Fact]
    public async Task FullTmpfs_SmtpAnswers452_431_AppendAnswersNo_NothingCorrupted_ResumesAndSurvivesRestart()
    {
        var mountPoint = Path.Combine(Path.GetTempPath(), "hp-tmpfs-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(mountPoint);
        await MountAsync(mountPoint);
        try
        {
            var data = Path.Combine(mountPoint, "data");
            var filler = Path.Combine(mountPoint, "filler");
            StoreAudit.Totals before;
            await using (var engine = await EngineHost.StartOnAsync(data))
            {
                var account = await engine.CreateMailboxAsync("tmpfs@example.com");
                Assert.StartsWith("250 ", await ReliabilityWire.SmtpDeliverAsync(engine.SmtpPort, "tmpfs@example.com", ReliabilityWire.Message("fits")));
                await using var wire = await ImapServerClients.WireAsync(engine, "tmpfs@example.com");
                Assert.StartsWith("b1 OK", await ReliabilityWire.ImapAppendAsync(wire, "b1", "INBOX", ReliabilityWire.Message("fits too")));
                before = await StoreAudit.AssertConsistentAsync(engine, account);

                var filled = Fill(filler);
                Assert.True(filled > 0, "could not fill the tmpfs");
                Assert.StartsWith("452 4.3.1", await ReliabilityWire.SmtpDeliverAsync(engine.SmtpPort, "tmpfs@example.com", ReliabilityWire.Message("no room", 64_000)));
                var refused = await ReliabilityWire.ImapAppendAsync(wire, "f1", "INBOX", ReliabilityWire.Message("no room either", 64_000));
                Assert.StartsWith("f1 NO", refused);
                Assert.DoesNotContain("OVERQUOTA", refused);
                Assert.Equal(before, await StoreAudit.AssertConsistentAsync(engine, account));
                // Reading still works on a full disk.
                Assert.Contains(await wire.CommandAsync("s1 SELECT INBOX"), l => l == "* 2 EXISTS");
                Assert.Contains(await wire.CommandAsync("s2 FETCH 1:2 (BODY.PEEK[HEADER.FIELDS (SUBJECT)])"), l => l.Contains("Subject: fits too"));

                File.Delete(filler);
                Assert.StartsWith("250 ", await ReliabilityWire.SmtpDeliverAsync(engine.SmtpPort, "tmpfs@example.com", ReliabilityWire.Message("space is back", 64_000)));
                Assert.StartsWith("a1 OK", await ReliabilityWire.ImapAppendAsync(wire, "a1", "INBOX", ReliabilityWire.Message("appended again", 64_000)));
                before = await StoreAudit.AssertConsistentAsync(engine, account);
                Assert.Equal(4, before.Messages);
            }
            // The database survived the full disk: a restart finds the same messages and counters.
            await using (var engine = await EngineHost.StartOnAsync(data))
            {
                var account = (await engine.Directory.FindMailboxAsync("tmpfs@example.com"))!;
                Assert.Equal(before, await StoreAudit.AssertConsistentAsync(engine, account));
            }
        }
        finally
        {
            await RunAsync("umount", "-l", mountPoint);
            try { System.IO.Directory.Delete(mountPoint, recursive: true); } catch (IOException) { }
        }
    }

    /// <summary>Writes zeros until the file system refuses; returns the bytes written.</summary>
    private static long Fill(string path)
    {
        long written = 0;
        var chunk = new byte[64 * 1024];
        using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1);
        try
        {
            for (var size = chunk.Length; size > 0;)
            {
                try
                {
                    file.Write(chunk, 0, size);
                    written += size;
                }
                catch (IOException)
                {
                    size /= 2; // down to the last bytes the file system has
                }
            }
        }
        finally
        {
            try { file.Dispose(); } catch (IOException) { }
        }
        return written;
    }

    private static async Task MountAsync(string mountPoint)
    {
        var (code, output) = await RunAsync("mount", "-t", "tmpfs", "-o", "size=8m,mode=0700", "tmpfs", mountPoint);
        if (code == 0)
            return;
        System.IO.Directory.Delete(mountPoint);
        var reason = $"cannot mount a tmpfs here (needs root): {output.Trim()}";
        if (TestEnvironment.Mandatory)
            Assert.Fail("Required by HOSTINGPANEL_TESTS_MANDATORY=1: " + reason);
        Assert.Skip(reason);
    }

    private static async Task<(int Code, string Output)> RunAsync(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
            start.ArgumentList.Add(a);
        try
        {
            using var process = Process.Start(start)!;
            var output = await process.StandardOutput.ReadToEndAsync() + await process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            return (process.ExitCode, output);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return (-1, e.Message);
        }
    }
}
