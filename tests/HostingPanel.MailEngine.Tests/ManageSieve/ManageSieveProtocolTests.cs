using System.Buffers;
using System.Text;
using HostingPanel.MailEngine.Listeners;
using HostingPanel.MailEngine.Hosting;
using HostingPanel.MailEngine.Protocol.ManageSieve;
using HostingPanel.MailEngine.Sieve;
using HostingPanel.MailEngine.Tests.Security;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace HostingPanel.MailEngine.Tests.ManageSieve;

/// <summary>RFC 5804 on a real socket: the dialogs of the RFC, quotas, and what a hostile client may try.</summary>
public sealed class ManageSieveProtocolTests
{
    internal static int Port(EngineHost engine) => engine.Services.GetRequiredService<IMailListenerRegistry>().GetPort("managesieve")!.Value;

    private static string Plain(string user, string password = EngineHost.Password) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes($"\0{user}\0{password}"));

    /// <summary>Lines up to and including the OK/NO/BYE that ends a response.</summary>
    private static async Task<List<string>> ResponseAsync(RawLineClient client)
    {
        var lines = new List<string>();
        while (await client.ReadLineAsync() is { } line)
        {
            lines.Add(line);
            if (line.StartsWith("OK", StringComparison.Ordinal) || line.StartsWith("NO", StringComparison.Ordinal) || line.StartsWith("BYE", StringComparison.Ordinal))
                return lines;
        }
        lines.Add("<closed>");
        return lines;
    }

    private static async Task<List<string>> CommandAsync(RawLineClient client, string command)
    {
        await client.SendAsync(command + "\r\n");
        return await ResponseAsync(client);
    }

    private static string Literal(string text) => "{" + Encoding.UTF8.GetByteCount(text) + "+}\r\n" + text;

    private static async Task<RawLineClient> LoginAsync(EngineHost engine, string user)
    {
        var client = await RawLineClient.ConnectAsync(Port(engine));
        await ResponseAsync(client);
        Assert.Equal("OK \"Logged in\"", (await CommandAsync(client, $"AUTHENTICATE \"PLAIN\" \"{Plain(user)}\""))[^1]);
        return client;
    }

    [Fact]
    public async Task Rfc5804_Greeting_StartTls_CapabilitiesAgain_WithoutStartTls()
    {
        await using var engine = await EngineHost.StartAsync(new() { ["Mail:AllowPlaintextAuth"] = "false" });
        await using var client = await RawLineClient.ConnectAsync(Port(engine));
        var greeting = await ResponseAsync(client);
        Assert.Contains("\"IMPLEMENTATION\" \"HostingPanel ManageSieve\"", greeting);
        Assert.Contains("\"STARTTLS\"", greeting);
        Assert.Contains("\"VERSION\" \"1.0\"", greeting);
        Assert.Contains("\"SASL\" \"\"", greeting);
        Assert.Contains(greeting, l => l.StartsWith("\"SIEVE\" \"fileinto envelope", StringComparison.Ordinal) && l.Contains("vacation") && l.Contains("imap4flags"));
        Assert.StartsWith("OK", greeting[^1]);

        await engine.CreateMailboxAsync("bob@example.com");
        Assert.Equal("NO (ENCRYPT-NEEDED) \"Authentication requires TLS: use STARTTLS first\"",
            (await CommandAsync(client, $"AUTHENTICATE \"PLAIN\" \"{Plain("bob@example.com")}\""))[^1]);
        Assert.Equal("NO \"Authenticate first\"", (await CommandAsync(client, "LISTSCRIPTS"))[^1]);

        Assert.StartsWith("OK", (await CommandAsync(client, "STARTTLS"))[^1]);
        await client.StartTlsAsync();
        var again = await ResponseAsync(client);
        Assert.DoesNotContain("\"STARTTLS\"", again);
        Assert.Contains("\"SASL\" \"PLAIN\"", again);
        Assert.Equal("NO \"Authentication failed\"", (await CommandAsync(client, $"AUTHENTICATE \"PLAIN\" \"{Plain("bob@example.com", "wrong")}\""))[^1]);
        // Without an initial response: an empty challenge, then the response as a literal.
        await client.SendAsync("AUTHENTICATE \"PLAIN\"\r\n");
        Assert.Equal("\"\"", await client.ReadLineAsync());
        var response = Plain("bob@example.com");
        Assert.Equal("OK \"Logged in\"", (await CommandAsync(client, Literal(response)))[^1]);
        Assert.Contains("\"OWNER\" \"bob@example.com\"", await CommandAsync(client, "CAPABILITY"));
        Assert.Equal("OK \"Logout completed\"", (await CommandAsync(client, "LOGOUT"))[^1]);
        Assert.True(await client.IsClosedAsync());
    }

    [Fact]
    public async Task Rfc5804_Unauthenticate_ReturnsToTheNonAuthenticatedState_KeepsTls_AndAnotherUserSeesOnlyItsOwn()
    {
        // Plaintext login is off: a second AUTHENTICATE only works if TLS survived UNAUTHENTICATE (section 2.14.1).
        await using var engine = await EngineHost.StartAsync(new() { ["Mail:AllowPlaintextAuth"] = "false" });
        await engine.CreateMailboxAsync("bob@example.com");
        await engine.CreateMailboxAsync("carol@example.com");
        await using var client = await RawLineClient.ConnectAsync(Port(engine));
        Assert.Contains("\"UNAUTHENTICATE\"", await ResponseAsync(client));
        Assert.Equal("NO \"Authenticate first\"", (await CommandAsync(client, "UNAUTHENTICATE"))[^1]);
        Assert.StartsWith("OK", (await CommandAsync(client, "STARTTLS"))[^1]);
        await client.StartTlsAsync();
        await ResponseAsync(client);
        Assert.Equal("OK \"Logged in\"", (await CommandAsync(client, $"AUTHENTICATE \"PLAIN\" \"{Plain("bob@example.com")}\""))[^1]);
        Assert.Equal("OK", (await CommandAsync(client, "PUTSCRIPT \"bobs\" \"keep;\""))[^1]);
        Assert.StartsWith("NO \"usage: UNAUTHENTICATE", (await CommandAsync(client, "UNAUTHENTICATE \"x\""))[^1]);

        Assert.Equal("OK \"Unauthenticated\"", (await CommandAsync(client, "UNAUTHENTICATE"))[^1]);
        Assert.Equal("NO \"Authenticate first\"", (await CommandAsync(client, "LISTSCRIPTS"))[^1]);
        Assert.Equal("NO \"Authenticate first\"", (await CommandAsync(client, "GETSCRIPT \"bobs\""))[^1]);
        var capabilities = await CommandAsync(client, "CAPABILITY");
        Assert.DoesNotContain(capabilities, l => l.StartsWith("\"OWNER\"", StringComparison.Ordinal));
        Assert.DoesNotContain("\"STARTTLS\"", capabilities);
        Assert.Contains("\"SASL\" \"PLAIN\"", capabilities);
        Assert.Equal("NO \"TLS is already active\"", (await CommandAsync(client, "STARTTLS"))[^1]);

        Assert.Equal("NO \"Authentication failed\"", (await CommandAsync(client, $"AUTHENTICATE \"PLAIN\" \"{Plain("carol@example.com", "wrong")}\""))[^1]);
        Assert.Equal("OK \"Logged in\"", (await CommandAsync(client, $"AUTHENTICATE \"PLAIN\" \"{Plain("carol@example.com")}\""))[^1]);
        Assert.Equal(["OK"], await CommandAsync(client, "LISTSCRIPTS"));
        Assert.StartsWith("NO (NONEXISTENT)", (await CommandAsync(client, "GETSCRIPT \"bobs\""))[^1]);
        Assert.Contains("\"OWNER\" \"carol@example.com\"", await CommandAsync(client, "CAPABILITY"));
    }

    [Fact]
    public async Task Rfc5804_PutListSetActiveGetRenameDelete_AndCheckScriptWithLineNumbers()
    {
        await using var engine = await EngineHost.StartAsync();
        var bob = await engine.CreateMailboxAsync("bob@example.com");
        await using var client = await LoginAsync(engine, "bob@example.com");
        const string script = "require \"fileinto\";\r\nif header :contains \"subject\" \"[x]\" { fileinto \"X\"; }\r\n";
        Assert.Equal("OK", (await CommandAsync(client, "PUTSCRIPT \"mail rules\" " + Literal(script)))[^1]);
        Assert.Equal("OK", (await CommandAsync(client, "PUTSCRIPT \"other\" \"keep;\""))[^1]);
        Assert.Equal(["\"mail rules\"", "\"other\"", "OK"], await CommandAsync(client, "LISTSCRIPTS"));
        Assert.Equal("OK", (await CommandAsync(client, "SETACTIVE \"mail rules\""))[^1]);
        Assert.Equal(["\"mail rules\" ACTIVE", "\"other\"", "OK"], await CommandAsync(client, "LISTSCRIPTS"));
        Assert.Equal("NO (NONEXISTENT) \"There is no script by that name\"", (await CommandAsync(client, "SETACTIVE \"nope\""))[^1]);

        await client.SendAsync("GETSCRIPT \"mail rules\"\r\n");
        Assert.Equal("{" + script.Length + "}", await client.ReadLineAsync());
        Assert.Equal("require \"fileinto\";", await client.ReadLineAsync());
        Assert.Equal("if header :contains \"subject\" \"[x]\" { fileinto \"X\"; }", await client.ReadLineAsync());
        Assert.Equal("", await client.ReadLineAsync());
        Assert.Equal("OK", await client.ReadLineAsync());

        var bad = await CommandAsync(client, "CHECKSCRIPT " + Literal("require \"fileinto\";\r\n\r\nfileinto \"a\"\r\nkeep;\r\n"));
        Assert.StartsWith("NO \"line 3: 'fileinto' does not take a test", bad[^1]);
        Assert.Equal("OK", (await CommandAsync(client, "CHECKSCRIPT \"keep;\""))[^1]);
        Assert.StartsWith("NO \"line 1: unknown command 'bogus'", (await CommandAsync(client, "PUTSCRIPT \"x\" \"bogus;\""))[^1]);

        Assert.Equal("NO (ACTIVE) \"The active script cannot be deleted\"", (await CommandAsync(client, "DELETESCRIPT \"mail rules\""))[^1]);
        Assert.Equal("NO (ALREADYEXISTS) \"A script by that name already exists\"", (await CommandAsync(client, "RENAMESCRIPT \"other\" \"mail rules\""))[^1]);
        Assert.Equal("OK", (await CommandAsync(client, "RENAMESCRIPT \"mail rules\" \"rules\""))[^1]);
        Assert.Equal("OK", (await CommandAsync(client, "DELETESCRIPT \"other\""))[^1]);
        Assert.Equal(["\"rules\" ACTIVE", "OK"], await CommandAsync(client, "LISTSCRIPTS"));
        Assert.Equal("OK", (await CommandAsync(client, "SETACTIVE \"\""))[^1]);
        Assert.Equal(["\"rules\"", "OK"], await CommandAsync(client, "LISTSCRIPTS"));
        Assert.Equal("OK \"Done\"", (await CommandAsync(client, "NOOP"))[^1]);
        Assert.Equal("OK (TAG \"t1\") \"Done\"", (await CommandAsync(client, "NOOP \"t1\""))[^1]);
        Assert.Empty(await engine.Services.GetRequiredService<SieveScriptStore>().ListAsync(bob.Id + 1000));
    }

    [Fact]
    public async Task Rfc5804_Quota_HaveSpaceAndPutScript_MaxSizeAndMaxScripts()
    {
        await using var engine = await EngineHost.StartAsync(new() { ["Mail:Sieve:MaxScripts"] = "2", ["Mail:Sieve:MaxScriptSize"] = "100" });
        await engine.CreateMailboxAsync("bob@example.com");
        await using var client = await LoginAsync(engine, "bob@example.com");
        Assert.Equal("OK", (await CommandAsync(client, "HAVESPACE \"a\" 100"))[^1]);
        Assert.StartsWith("NO (QUOTA/MAXSIZE)", (await CommandAsync(client, "HAVESPACE \"a\" 101"))[^1]);
        Assert.StartsWith("NO (QUOTA/MAXSIZE)", (await CommandAsync(client, "PUTSCRIPT \"a\" " + Literal("#" + new string('x', 120) + "\r\nkeep;")))[^1]);
        Assert.Equal("OK", (await CommandAsync(client, "PUTSCRIPT \"a\" \"keep;\""))[^1]);
        Assert.Equal("OK", (await CommandAsync(client, "PUTSCRIPT \"b\" \"keep;\""))[^1]);
        Assert.Equal("OK", (await CommandAsync(client, "PUTSCRIPT \"b\" \"discard;\""))[^1]);
        Assert.StartsWith("NO (QUOTA/MAXSCRIPTS)", (await CommandAsync(client, "PUTSCRIPT \"c\" \"keep;\""))[^1]);
        Assert.StartsWith("NO (QUOTA/MAXSCRIPTS)", (await CommandAsync(client, "HAVESPACE \"c\" 5"))[^1]);
        Assert.StartsWith("NO \"usage: HAVESPACE", (await CommandAsync(client, "HAVESPACE \"c\" \"5\""))[^1]);
    }

    [Fact]
    public async Task Hostile_EachMailboxSeesOnlyItsScripts_BadNamesAndSyntax_AreRefused()
    {
        await using var engine = await EngineHost.StartAsync();
        await engine.CreateMailboxAsync("bob@example.com");
        await engine.CreateMailboxAsync("eve@example.com");
        await using (var bob = await LoginAsync(engine, "bob@example.com"))
            Assert.Equal("OK", (await CommandAsync(bob, "PUTSCRIPT \"secret\" \"keep;\""))[^1]);
        await using var eve = await LoginAsync(engine, "eve@example.com");
        Assert.Equal(["OK"], await CommandAsync(eve, "LISTSCRIPTS"));
        Assert.StartsWith("NO (NONEXISTENT)", (await CommandAsync(eve, "GETSCRIPT \"secret\""))[^1]);
        Assert.StartsWith("NO (NONEXISTENT)", (await CommandAsync(eve, "DELETESCRIPT \"secret\""))[^1]);
        Assert.Equal("NO \"Invalid script name\"", (await CommandAsync(eve, "PUTSCRIPT \"a\\\\\u0001b\" \"keep;\""))[^1]);
        Assert.Equal("NO \"Invalid script name\"", (await CommandAsync(eve, "PUTSCRIPT \"\" \"keep;\""))[^1]);
        Assert.Equal("NO \"Unknown command FOO\"", (await CommandAsync(eve, "FOO"))[^1]);
        Assert.Equal("NO \"line break inside a quoted string\"", (await CommandAsync(eve, "PUTSCRIPT \"a"))[^1]);
        Assert.Equal("NO \"Already authenticated\"", (await CommandAsync(eve, "AUTHENTICATE \"PLAIN\""))[^1]);
    }

    [Fact]
    public async Task Hostile_OversizedLiteral_AndEndlessLine_GetBye()
    {
        await using var engine = await EngineHost.StartAsync();
        await engine.CreateMailboxAsync("bob@example.com");
        await using (var client = await LoginAsync(engine, "bob@example.com"))
        {
            var bye = await CommandAsync(client, "PUTSCRIPT \"a\" {999999999+}");
            Assert.StartsWith("BYE \"literal of 999999999 octets is larger than", bye[^1]);
            Assert.True(await client.IsClosedAsync());
        }
        await using (var client = await RawLineClient.ConnectAsync(Port(engine)))
        {
            await ResponseAsync(client);
            await client.SendAsync("NOOP \"" + new string('a', 20_000));
            Assert.StartsWith("BYE", (await ResponseAsync(client))[^1]);
        }
        await using (var client = await RawLineClient.ConnectAsync(Port(engine)))
        {
            await ResponseAsync(client);
            for (var i = 0; i < 10; i++)
                Assert.StartsWith("NO", (await CommandAsync(client, "BOGUS"))[^1]);
            Assert.StartsWith("BYE \"Too many bad commands\"", (await CommandAsync(client, "BOGUS"))[^1]);
        }
    }

    [Fact]
    public void CommandReader_AnyByteSplit_YieldsTheSameCommand()
    {
        var wire = Encoding.UTF8.GetBytes("PUTSCRIPT \"na\\\"me\" {12+}\r\nkeep;\r\nstop;\r\n");
        var whole = new ReadOnlySequence<byte>(wire);
        Assert.Equal(ManageSieveReadStatus.Command, ManageSieveCommandReader.TryRead(ref whole, 1000, 1000, false, out var command, out _));
        Assert.Equal("PUTSCRIPT", command!.Name);
        Assert.Equal("na\"me", command.Arguments[0].Text);
        Assert.Equal("keep;\r\nstop;", command.Arguments[1].Text);
        Assert.Equal(0, whole.Length);
        for (var split = 0; split < wire.Length; split++)
        {
            var prefix = new ReadOnlySequence<byte>(wire, 0, split);
            Assert.Equal(ManageSieveReadStatus.NeedMoreData, ManageSieveCommandReader.TryRead(ref prefix, 1000, 1000, false, out _, out _));
            Assert.Equal(split, prefix.Length);
        }
    }

    /// <summary>
    /// RFC 6609 at upload, as Pigeonhole: an include loop through the account's stored scripts is refused with its line;
    /// a missing script is only a warning (OK (WARNINGS), RFC 5804 section 1.3), since it may be uploaded next; a path
    /// as a name is a syntax error. CAPABILITY announces include, enotify and the mailto notify method (section 1.7).
    /// </summary>
    [Fact]
    public async Task Rfc6609_PutScript_RefusesIncludeLoops_WarnsOfMissingScripts_CapabilityListsNotify()
    {
        await using var engine = await EngineHost.StartAsync(new() { ["Mail:AllowPlaintextAuth"] = "true" });
        await engine.CreateMailboxAsync("bob@example.com");
        await using var client = await LoginAsync(engine, "bob@example.com");
        var capability = await CommandAsync(client, "CAPABILITY");
        Assert.Contains("\"NOTIFY\" \"mailto\"", capability);
        Assert.Contains(capability, l => l.StartsWith("\"SIEVE\"", StringComparison.Ordinal) && l.Contains(" include") && l.Contains(" enotify"));

        var missing = await CommandAsync(client, "PUTSCRIPT \"main\" " + Literal("require \"include\";\r\ninclude \"lib\";\r\ninclude :optional \"maybe\";\r\n"));
        Assert.Equal("OK (WARNINGS) \"line 2: included personal script \\\"lib\\\" does not exist (an error when it runs)\"", missing[^1]);
        var check = await CommandAsync(client, "CHECKSCRIPT " + Literal("require \"include\";\r\ninclude :global \"site\";\r\n"));
        Assert.StartsWith("OK (WARNINGS) \"line 2: included global script", check[^1]);
        Assert.Equal("OK", (await CommandAsync(client, "PUTSCRIPT \"lib\" " + Literal("require \"include\";\r\ninclude \"helper\";\r\n")))[^1].Split(' ')[0]);
        // helper -> main -> lib -> helper: the upload that closes the loop is refused, naming the line that starts it.
        var loop = await CommandAsync(client, "PUTSCRIPT \"helper\" " + Literal("require \"include\";\r\n# then\r\ninclude \"main\";\r\n"));
        Assert.Equal("NO \"line 3: include loop: \\\"helper\\\" includes itself through helper -> main -> lib -> helper\"", loop[^1]);
        Assert.StartsWith("NO \"line 1: include loop", (await CommandAsync(client, "PUTSCRIPT \"self\" \"require \\\"include\\\"; include \\\"self\\\";\""))[^1]);
        Assert.StartsWith("NO \"line 1: invalid script name", (await CommandAsync(client, "CHECKSCRIPT \"require \\\"include\\\"; include :global \\\"../x\\\";\""))[^1]);
        Assert.StartsWith("NO \"line 1: unsupported notification method", (await CommandAsync(client, "CHECKSCRIPT \"require \\\"enotify\\\"; notify \\\"tel:1\\\";\""))[^1]);
        Assert.DoesNotContain(await CommandAsync(client, "LISTSCRIPTS"), l => l.StartsWith("\"helper\"") || l.StartsWith("\"self\""));
    }
}
