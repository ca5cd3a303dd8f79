using System.Diagnostics;
using HostingPanel.MailEngine.Sieve;
using HostingPanel.MailEngine.Tests.Smtp;
using HostingPanel.Testing;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace HostingPanel.MailEngine.Tests.ManageSieve;

/// <summary>Debian's sieve-connect, a real ManageSieve client, against the engine: STARTTLS, AUTH PLAIN, upload, list, activate, check, download.</summary>
public sealed class SieveConnectTests
{
    private static async Task<(int Exit, string Output)> SieveConnectAsync(string tool, int port, string user, params string[] args)
    {
        var info = new ProcessStartInfo(tool)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var a in new[] { "--server", "127.0.0.1", "--port", port.ToString(), "--user", user, "--passwordfd", "0", "--notlsverify", "--authmech", "PLAIN" })
            info.ArgumentList.Add(a);
        foreach (var a in args)
            info.ArgumentList.Add(a);
        using var process = Process.Start(info)!;
        await process.StandardInput.WriteLineAsync(EngineHost.Password);
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout + await stderr);
    }

    [Fact]
    public async Task SieveConnect_UploadsListsActivatesChecksAndDownloads_AndTheScriptFilters()
    {
        var tool = TestEnvironment.RequireTool("sieve-connect", "sieve-connect");
        // Plaintext login is off: sieve-connect must use STARTTLS to log in.
        await using var engine = await EngineHost.StartAsync(new() { ["Mail:AllowPlaintextAuth"] = "false" });
        var bob = await engine.CreateMailboxAsync("bob@example.com");
        await engine.Store.CreateFolderAsync(bob.Id, "Receipts");
        var port = ManageSieveProtocolTests.Port(engine);
        var dir = Path.Combine(engine.DataDirectory, "sieve-connect");
        System.IO.Directory.CreateDirectory(dir);
        var good = Path.Combine(dir, "rules.sieve");
        await File.WriteAllTextAsync(good, "require [\"fileinto\"];\nif header :contains \"subject\" \"receipt\" {\n  fileinto \"Receipts\";\n}\n");
        var bad = Path.Combine(dir, "bad.sieve");
        await File.WriteAllTextAsync(bad, "require [\"fileinto\"];\nif header :contains \"subject\" \"x\" {\n  fileinto \"Receipts\"\n}\n");

        var upload = await SieveConnectAsync(tool, port, "bob@example.com", "--upload", "--localsieve", good, "--remotesieve", "rules");
        Assert.True(upload.Exit == 0, upload.Output);
        var activate = await SieveConnectAsync(tool, port, "bob@example.com", "--activate", "--remotesieve", "rules");
        Assert.True(activate.Exit == 0, activate.Output);
        var list = await SieveConnectAsync(tool, port, "bob@example.com", "--list");
        Assert.True(list.Exit == 0, list.Output);
        // sieve-connect prints the LISTSCRIPTS lines as the server sent them.
        Assert.Contains("\"rules\" ACTIVE", list.Output);
        var check = await SieveConnectAsync(tool, port, "bob@example.com", "--checkscript", "--localsieve", bad);
        Assert.NotEqual(0, check.Exit);
        Assert.Contains("line 4: expected ';' or '{' after command 'fileinto'", check.Output);
        var checkGood = await SieveConnectAsync(tool, port, "bob@example.com", "--checkscript", "--localsieve", good);
        Assert.True(checkGood.Exit == 0, checkGood.Output);
        var downloaded = Path.Combine(dir, "downloaded.sieve");
        var download = await SieveConnectAsync(tool, port, "bob@example.com", "--download", "--remotesieve", "rules", "--localsieve", downloaded);
        Assert.True(download.Exit == 0, download.Output);
        Assert.Equal(await File.ReadAllTextAsync(good), (await File.ReadAllTextAsync(downloaded)).ReplaceLineEndings("\n"));

        var active = await engine.Services.GetRequiredService<SieveScriptStore>().GetActiveAsync(bob.Id);
        Assert.Equal("rules", active!.Value.Name);
        using (var client = await SmtpTestKit.ConnectAsync(engine.SmtpPort))
            await client.SendAsync(SmtpTestKit.Message("shop@example.org", "bob@example.com", "Your receipt"));
        var receipts = await engine.Store.GetFolderAsync(bob.Id, "Receipts");
        Assert.Single(await engine.Store.ListMessagesAsync(receipts!.Id));
        Assert.Empty(await SmtpTestKit.InboxAsync(engine, bob));
    }

    /// <summary>
    /// RFC 6609 with a real client: sieve-connect uploads a library and a main script that includes it (a missing include
    /// is only a warning at upload, so the order of uploads does not matter), activates the main one, and delivery runs both.
    /// </summary>
    [Fact]
    public async Task SieveConnect_UploadsScriptsThatIncludeEachOther_InAnyOrder_AndDeliveryRunsThem()
    {
        var tool = TestEnvironment.RequireTool("sieve-connect", "sieve-connect");
        await using var engine = await EngineHost.StartAsync(new() { ["Mail:AllowPlaintextAuth"] = "false" });
        var bob = await engine.CreateMailboxAsync("bob@example.com");
        await engine.Store.CreateFolderAsync(bob.Id, "Receipts");
        var port = ManageSieveProtocolTests.Port(engine);
        var dir = Path.Combine(engine.DataDirectory, "sieve-connect");
        System.IO.Directory.CreateDirectory(dir);
        var main = Path.Combine(dir, "main.sieve");
        await File.WriteAllTextAsync(main, "require [\"include\"];\ninclude :once \"receipts\";\n");
        var library = Path.Combine(dir, "receipts.sieve");
        await File.WriteAllTextAsync(library, "require [\"fileinto\"];\nif header :contains \"subject\" \"receipt\" { fileinto \"Receipts\"; }\n");
        var loop = Path.Combine(dir, "loop.sieve");
        await File.WriteAllTextAsync(loop, "require [\"include\"];\ninclude \"main\";\n");

        // The main script first: its include is missing, which is a warning, not a refusal.
        var first = await SieveConnectAsync(tool, port, "bob@example.com", "--upload", "--localsieve", main, "--remotesieve", "main");
        Assert.True(first.Exit == 0, first.Output);
        var second = await SieveConnectAsync(tool, port, "bob@example.com", "--upload", "--localsieve", library, "--remotesieve", "receipts");
        Assert.True(second.Exit == 0, second.Output);
        var activate = await SieveConnectAsync(tool, port, "bob@example.com", "--activate", "--remotesieve", "main");
        Assert.True(activate.Exit == 0, activate.Output);
        // A library that would include the main script back (main -> receipts -> main) is refused.
        var refused = await SieveConnectAsync(tool, port, "bob@example.com", "--upload", "--localsieve", loop, "--remotesieve", "receipts");
        Assert.NotEqual(0, refused.Exit);
        Assert.Contains("include loop", refused.Output);

        using (var client = await SmtpTestKit.ConnectAsync(engine.SmtpPort))
            await client.SendAsync(SmtpTestKit.Message("shop@example.org", "bob@example.com", "Your receipt"));
        var receipts = await engine.Store.GetFolderAsync(bob.Id, "Receipts");
        Assert.Single(await engine.Store.ListMessagesAsync(receipts!.Id));
        Assert.Empty(await SmtpTestKit.InboxAsync(engine, bob));
    }
}
