using System.Text;
using HostingPanel.MailEngine.Sieve;
using HostingPanel.MailEngine.Storage;
using HostingPanel.MailEngine.Tests.Smtp;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;
using Xunit;
using static HostingPanel.MailEngine.Tests.Sieve.SieveTestKit;

namespace HostingPanel.MailEngine.Tests.Sieve;

/// <summary>RFC 5293 editheader: the RFC's rules, the fields no script may touch, header injection, limits, and delivery through SMTP.</summary>
public sealed class SieveEditHeaderTests
{
    private const string Received =
        "Received: from mx.example.org by mail.example.com; Fri, 27 Nov 2026 05:00:01 +0000\r\n" +
        "Received: from client.example.org by mx.example.org; Fri, 27 Nov 2026 05:00:00 +0000\r\n";

    private static (SieveResult Result, SieveMessage Message) RunEdit(string script, string message)
    {
        var parsed = SieveMessage.Parse(Encoding.UTF8.GetBytes(message), "alice@example.org", "me@example.com");
        return (SieveInterpreter.Run(SieveScript.Compile(script), parsed), parsed);
    }

    private static string[] Fields(HeaderList? headers) => headers!.Select(h => h.Field + ": " + h.Value.Trim()).ToArray();

    [Fact]
    public void Rfc5293_Section4_AddHeader_GoesOnTop_OrLastWithLast_AndLaterTestsSeeIt()
    {
        var (result, _) = RunEdit("""
            require ["editheader", "fileinto"];
            addheader "X-Source" "mail.example.com";
            addheader :last "X-Trailer" "end";
            if header :is "X-Source" "mail.example.com" { fileinto "Seen"; }
            if exists "X-Trailer" { keep; }
            """, Msg("Subject: s\r\nFrom: a@example.org"));
        Assert.Equal([MailStore.Inbox, "Seen"], result.Folders().Order().ToArray());
        Assert.Equal(["X-Source: mail.example.com", "Subject: s", "From: a@example.org", "X-Trailer: end"], Fields(result.Folders.Single(f => f.Folder == "Seen").Headers));
    }

    [Fact]
    public void Rfc5293_Section5_DeleteHeader_AllByIndexFromEitherEnd_AndByValuePattern()
    {
        const string message = "X-A: one\r\nX-A: two\r\nX-A: three\r\nX-B: spam score 9\r\nX-B: ham\r\nSubject: s";
        static string[] After(string commands) =>
            Fields(RunEdit("require \"editheader\";\r\n" + commands, Msg(message)).Message.Headers);
        Assert.Equal(["X-B: spam score 9", "X-B: ham", "Subject: s"], After("deleteheader \"x-a\";"));
        Assert.Equal(["X-A: one", "X-A: three", "X-B: spam score 9", "X-B: ham", "Subject: s"], After("deleteheader :index 2 \"X-A\";"));
        Assert.Equal(["X-A: two", "X-A: three", "X-B: spam score 9", "X-B: ham", "Subject: s"], After("deleteheader :index 3 :last \"X-A\";"));
        Assert.Equal(["X-A: one", "X-A: two", "X-A: three", "X-B: spam score 9", "X-B: ham", "Subject: s"], After("deleteheader :index 4 \"X-A\";"));
        Assert.Equal(["X-A: one", "X-A: two", "X-A: three", "X-B: ham", "Subject: s"], After("deleteheader :contains \"X-B\" \"spam\";"));
        Assert.Equal(["X-A: two", "X-B: spam score 9", "X-B: ham", "Subject: s"], After("deleteheader :matches \"X-A\" [\"o*\", \"*ree\"];"));
        // :index picks the field first, then the pattern decides: the first X-A is "one", not "two".
        Assert.Equal(["X-A: one", "X-A: two", "X-A: three", "X-B: spam score 9", "X-B: ham", "Subject: s"], After("deleteheader :index 1 :is \"X-A\" \"two\";"));
        // Section 6: Subject may always be changed.
        Assert.Equal(["X-A: one", "X-A: two", "X-A: three", "X-B: spam score 9", "X-B: ham", "Subject: [ext] s"],
            After("deleteheader \"subject\"; addheader :last \"Subject\" \"[ext] s\";"));
    }

    [Fact]
    public void Rfc5293_Section7_TestsSeeTheEditedHeader_ActionsKeepTheStateTheySaw()
    {
        var bytes = Encoding.UTF8.GetBytes(Msg("X-Spam-Flag: YES\r\nSubject: s"));
        var shared = HeaderList.Load(new MemoryStream(bytes));
        var message = new SieveMessage(shared, bytes.Length, "alice@example.org", "me@example.com");
        var result = SieveInterpreter.Run(SieveScript.Compile("""
            require ["editheader", "fileinto", "copy"];
            fileinto :copy "Before";
            deleteheader "X-Spam-Flag";
            addheader "X-Filed" "yes";
            if not exists "X-Spam-Flag" { fileinto "After"; }
            """), message);
        var before = result.Folders.Single(f => f.Folder == "Before");
        var after = result.Folders.Single(f => f.Folder == "After");
        // An action taken before any edit stores the message as it came.
        Assert.Null(before.Headers);
        Assert.Equal(["X-Filed: yes", "Subject: s"], Fields(after.Headers));
        Assert.Same(after.Headers, message.EditedHeaders);
        // The parsed original is never changed: the next recipient's run of the same delivery starts from it.
        Assert.Equal(["X-Spam-Flag: YES", "Subject: s"], Fields(shared));
    }

    [Fact]
    public void Rfc5293_Section6_TraceAndVerdictFields_CannotBeAddedOrDeleted_TheAttemptIsIgnored()
    {
        var (result, _) = RunEdit("""
            require "editheader";
            deleteheader "Received";
            deleteheader :index 1 "received";
            deleteheader "Auto-Submitted";
            deleteheader "Delivered-To";
            deleteheader "Authentication-Results";
            addheader "Received" "from forged.example by mail.example.com";
            addheader "Authentication-Results" "mail.example.com; dkim=pass";
            addheader "Return-Path" "<forged@example.net>";
            addheader "X-Allowed" "1";
            """, Msg(Received + "Auto-Submitted: auto-replied\r\nDelivered-To: me@example.com\r\nAuthentication-Results: mail.example.com; dkim=fail\r\nSubject: s"));
        Assert.Null(result.Error);
        var fields = Fields(result.Folders[0].Headers);
        Assert.Equal("X-Allowed: 1", fields[0]);
        Assert.Equal(2, fields.Count(f => f.StartsWith("Received:", StringComparison.Ordinal)));
        Assert.DoesNotContain(fields, f => f.Contains("forged", StringComparison.Ordinal));
        Assert.Contains("Auto-Submitted: auto-replied", fields);
        Assert.Contains("Delivered-To: me@example.com", fields);
        Assert.Contains("Authentication-Results: mail.example.com; dkim=fail", fields);
        Assert.DoesNotContain("Authentication-Results: mail.example.com; dkim=pass", fields);
    }

    [Fact]
    public void Hostile_HeaderInjection_ALineBreakInAValue_NeverStartsAField()
    {
        // Real line breaks inside the quoted strings (a C# escape, not a Sieve one).
        var (result, _) = RunEdit(
            "require [\"editheader\", \"variables\"];\r\n" +
            "set \"evil\" \"x\r\nBcc: victim@example.net\r\n\r\nbody\";\r\n" +
            "addheader \"X-Note\" \"${evil}\";\r\n" +
            "addheader \"X-Bare\" \"a\nReceived: forged\rb\";\r\n", Msg("Subject: s"));
        var headers = result.Folders[0].Headers!;
        Assert.Equal(["X-Bare", "X-Note", "Subject"], headers.Select(h => h.Field).ToArray());
        Assert.Equal("x Bcc: victim@example.net body", headers["X-Note"]!.Trim());
        Assert.Equal("a Received: forged b", headers["X-Bare"]!.Trim());
        using var written = new MemoryStream();
        headers.WriteTo(written);
        var text = Encoding.UTF8.GetString(written.ToArray());
        Assert.DoesNotContain("\nBcc:", text);
        Assert.DoesNotContain("\nReceived:", text);
    }

    [Fact]
    public void NonAsciiValues_AreEncoded_Rfc2047_AndReadBackDecoded()
    {
        var (result, _) = RunEdit("require \"editheader\"; addheader \"X-Label\" \"Café überfällig\"; if header :is \"X-Label\" \"Café überfällig\" { keep; }",
            Msg("Subject: s"));
        var headers = result.Folders[0].Headers!;
        using var written = new MemoryStream();
        headers.WriteTo(written);
        Assert.Contains("=?utf-8?", Encoding.ASCII.GetString(written.ToArray()), StringComparison.OrdinalIgnoreCase);
        Assert.Equal("Café überfällig", headers["X-Label"]!.Trim());
    }

    [Theory]
    [InlineData("addheader \"X A\" \"v\";", "invalid header field name")]
    [InlineData("addheader \"X:A\" \"v\";", "invalid header field name")]
    [InlineData("addheader \"\" \"v\";", "empty header field name")]
    [InlineData("addheader \"X-A\";", "usage: addheader")]
    [InlineData("deleteheader :index 0 \"X-A\";", ":index must be 1 or more")]
    [InlineData("deleteheader :last \"X-A\";", ":last needs :index")]
    [InlineData("deleteheader \"Bad Name\";", "invalid header field name")]
    public void CompileErrors_NameTheLine(string command, string error)
    {
        var e = Assert.Throws<SieveCompileException>(() => SieveScript.Compile("require \"editheader\";\n" + command));
        Assert.Equal(2, e.Line);
        Assert.Contains(error, e.Message);
        Assert.Contains("needs require \"editheader\"", Assert.Throws<SieveCompileException>(() => SieveScript.Compile("addheader \"X-A\" \"v\";")).Message);
    }

    [Fact]
    public void Hostile_Limits_OversizedValue_TooManyEdits_AndAnInvalidNameFromAVariable_KeepTheMessageAsItCame()
    {
        var huge = new string('a', SieveHeaderEdits.MaxFieldLength);
        Assert.Contains("longer than", Assert.Throws<SieveCompileException>(() => SieveScript.Compile($"require \"editheader\"; addheader \"X-A\" \"{huge}\";")).Message);

        var tooMany = "require \"editheader\";\n" + string.Concat(Enumerable.Repeat("addheader \"X-A\" \"v\";\n", SieveLimits.Default.MaxHeaderEdits + 1));
        var (many, _) = RunEdit(tooMany + "discard;", Msg("Subject: s"));
        Assert.Contains("header edits", many.Error);
        Assert.True(many.IsPlainKeep);

        var (fromVariable, _) = RunEdit("""
            require ["editheader", "variables"];
            set "name" "X Bad";
            addheader "${name}" "v";
            discard;
            """, Msg("Subject: s"));
        Assert.Contains("invalid header field name", fromVariable.Error);
        Assert.True(fromVariable.IsPlainKeep);

        var (longFromVariable, _) = RunEdit("require [\"editheader\", \"variables\"];\n" +
            $"set \"v\" \"{new string('b', 3000)}\";\naddheader \"X-Long\" \"${{v}}\";", Msg("Subject: s"));
        Assert.Contains("longer than", longFromVariable.Error);
    }

    // ------------------------------------------------------------ through SMTP

    private static async Task ActivateAsync(EngineHost engine, MailboxAccount account, string script)
    {
        var store = engine.Services.GetRequiredService<SieveScriptStore>();
        Assert.Equal(SieveStoreStatus.Ok, await store.PutAsync(account.Id, "main", script));
        Assert.Equal(SieveStoreStatus.Ok, await store.SetActiveAsync(account.Id, "main"));
    }

    private static async Task<List<string>> FolderTextsAsync(EngineHost engine, MailboxAccount account, string name)
    {
        var folder = await engine.Store.GetFolderAsync(account.Id, name);
        var texts = new List<string>();
        foreach (var m in folder is null ? [] : await engine.Store.ListMessagesAsync(folder.Id))
        {
            await using var body = engine.Store.OpenBody(m);
            texts.Add(await new StreamReader(body).ReadToEndAsync());
        }
        return texts;
    }

    [Fact]
    public async Task Delivery_StoresAndRedirectsTheEditedCopy_OthersGetTheOriginal_QuotaCountsTheEditedSize()
    {
        await using var relay = new FakeSmtpRelay();
        await using var engine = await EngineHost.StartAsync(new()
        {
            ["Mail:Relay:Host"] = "127.0.0.1", ["Mail:Relay:Port"] = relay.Port.ToString(), ["Mail:Relay:Security"] = "None",
        });
        var bob = await engine.CreateMailboxAsync("bob@example.com");
        var carol = await engine.CreateMailboxAsync("carol@example.com");
        await ActivateAsync(engine, bob, """
            require ["editheader", "fileinto", "mailbox", "copy"];
            deleteheader "X-Spam-Flag";
            addheader "X-Sieve-Filtered" "<bob@example.com>";
            redirect :copy "far@elsewhere.example";
            fileinto :create "Filtered";
            """);
        var message = SmtpTestKit.Message("alice@example.org", "bob@example.com, carol@example.com", "edit me", "The body stays as it was.");
        message.Headers.Add("X-Spam-Flag", "YES");
        using (var client = await SmtpTestKit.ConnectAsync(engine.SmtpPort))
            await client.SendAsync(message);

        var filed = Assert.Single(await FolderTextsAsync(engine, bob, "Filtered"));
        Assert.StartsWith("Return-Path: <alice@example.org>\r\n", filed);
        Assert.Contains("\r\nX-Sieve-Filtered: <bob@example.com>\r\n", filed);
        Assert.DoesNotContain("X-Spam-Flag", filed);
        Assert.Contains("\r\nSubject: edit me\r\n", filed);
        Assert.EndsWith("\r\n\r\nThe body stays as it was.\r\n", filed);
        var parsed = MimeMessage.Load(new MemoryStream(Encoding.UTF8.GetBytes(filed)));
        Assert.Equal(message.MessageId, parsed.MessageId);
        Assert.Equal("The body stays as it was.", parsed.TextBody!.Trim());
        Assert.Equal(Encoding.UTF8.GetByteCount(filed), (await engine.Store.GetQuotaAsync(bob.Id))!.UsedBytes);

        var original = Assert.Single(await SmtpTestKit.InboxAsync(engine, carol));
        Assert.Contains("X-Spam-Flag: YES", original);
        Assert.DoesNotContain("X-Sieve-Filtered", original);

        await SmtpTestKit.EventuallyAsync(() => Task.FromResult(relay.Accepted.Count == 1), "the redirect relayed");
        var redirected = relay.Accepted[0].Data;
        Assert.StartsWith("Delivered-To: bob@example.com\r\n", redirected);
        Assert.Contains("X-Sieve-Filtered: <bob@example.com>", redirected);
        Assert.DoesNotContain("X-Spam-Flag", redirected);
        Assert.DoesNotContain("Return-Path", redirected);
    }

    [Fact]
    public async Task Hostile_DeletingDeliveredTo_DoesNotDefeatRedirectLoopDetection()
    {
        await using var engine = await EngineHost.StartAsync();
        var bob = await engine.CreateMailboxAsync("bob@example.com");
        await ActivateAsync(engine, bob, """
            require "editheader";
            deleteheader "Delivered-To";
            redirect "far@elsewhere.example";
            """);
        var message = SmtpTestKit.Message("alice@example.org", "bob@example.com", "loop");
        message.Headers.Add("Delivered-To", "bob@example.com");
        using (var client = await SmtpTestKit.ConnectAsync(engine.SmtpPort))
            await client.SendAsync(message);
        Assert.Contains("Delivered-To: bob@example.com", Assert.Single(await SmtpTestKit.InboxAsync(engine, bob)));
    }
}
