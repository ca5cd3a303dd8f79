using System.Text;
using HostingPanel.MailEngine.Sieve;
using HostingPanel.MailEngine.Storage;
using HostingPanel.MailEngine.Tests.Smtp;
using Microsoft.Extensions.DependencyInjection;
using Xunit;
using static HostingPanel.MailEngine.Tests.Sieve.SieveTestKit;

namespace HostingPanel.MailEngine.Tests.Sieve;

/// <summary>The portal's forms as Sieve: generated scripts compile, read back, filter and reply; RFC 5260 currentdate.</summary>
public sealed class SieveFilterTests
{
    private static readonly MailFilterSettings Settings = new(
        new VacationSettings(true, "Away \"until\" Monday", "I am away.\r\nBack on Monday.", new DateOnly(2026, 12, 1), new DateOnly(2026, 12, 24), ["alias@example.com"]),
        [
            new FilterRule("from", "contains", "newsletter", "move", "News/Letters"),
            new FilterRule("subject", "is", "Invoice", "copy", "Invoices"),
            new FilterRule("to", "contains", "team@", "flag", null),
            new FilterRule("size", "over", "1024", "discard", null),
            new FilterRule("subject", "contains", "accountant", "forward", "acc@example.net"),
        ]);

    [Fact]
    public void GeneratedScript_Compiles_AndReadsBackItsSettings_AHandEditDoesNot()
    {
        var script = SieveFilterScript.Generate(Settings);
        SieveScript.Compile(script);
        Assert.Equivalent(Settings, SieveFilterScript.ReadSettings(script), strict: true);
        Assert.Null(SieveFilterScript.ReadSettings(script + "discard;\r\n"));
        Assert.Null(SieveFilterScript.ReadSettings("keep;"));
    }

    [Fact]
    public void GeneratedRules_DoWhatTheFormSays()
    {
        var script = SieveScript.Compile(SieveFilterScript.Generate(Settings with { Vacation = Settings.Vacation with { Enabled = false } }));
        SieveResult RunOn(string headers, string body = "x\r\n") =>
            SieveInterpreter.Run(script, SieveMessage.Parse(Encoding.UTF8.GetBytes(Msg(headers, body)), "a@b.example", "me@example.com"));
        Assert.Equal(["News/Letters"], RunOn("From: Weekly Newsletter <n@shop.example>").Folders());
        Assert.Equal(["Invoices", MailStore.Inbox], RunOn("From: x@y.example\nSubject: invoice").Folders());
        Assert.Equal(MessageFlags.Flagged, Assert.Single(RunOn("From: x@y.example\nCc: team@example.com").Folders).Flags);
        Assert.Empty(RunOn("From: x@y.example", new string('x', 1100 * 1024)).Folders);
        var forwarded = RunOn("From: x@y.example\nSubject: for the accountant");
        Assert.Equal(["acc@example.net"], forwarded.Redirects);
        Assert.Equal([MailStore.Inbox], forwarded.Folders());
    }

    [Theory]
    [InlineData("2026-11-30", false)]
    [InlineData("2026-12-01", true)]
    [InlineData("2026-12-24", true)]
    [InlineData("2026-12-25", false)]
    public void Rfc5260_CurrentDate_LimitsTheVacationToItsDays(string today, bool replies)
    {
        var script = SieveScript.Compile(SieveFilterScript.Generate(Settings with { Rules = [] }));
        var now = DateTimeOffset.Parse(today + "T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture);
        var result = SieveInterpreter.Run(script, SieveMessage.Parse(Encoding.UTF8.GetBytes(DefaultMessage), "a@b.example", "me@example.com"),
            new SieveEnvironment { Now = now });
        Assert.Equal(replies, result.Vacation is not null);
        if (replies)
        {
            Assert.Equal("Away \"until\" Monday", result.Vacation!.Subject);
            Assert.Equal("I am away.\r\nBack on Monday.", result.Vacation.Reason);
            Assert.Equal(["alias@example.com"], result.Vacation.Addresses);
        }
    }

    [Fact]
    public void Rfc5260_CurrentDate_PartsAndZone()
    {
        var env = new SieveEnvironment { Now = new DateTimeOffset(2026, 12, 7, 23, 30, 5, TimeSpan.Zero) };
        SieveResult R(string test) => Run("require [\"date\", \"relational\"]; if " + test + " { discard; }", environment: env);
        Assert.Empty(R("currentdate \"date\" \"2026-12-07\"").Folders);
        Assert.Empty(R("currentdate :zone \"+0100\" \"date\" \"2026-12-08\"").Folders);
        Assert.Empty(R("currentdate \"time\" \"23:30:05\"").Folders);
        Assert.Empty(R("currentdate \"weekday\" \"1\"").Folders);
        Assert.Empty(R("currentdate :value \"gt\" \"year\" \"2025\"").Folders);
        Assert.Empty(R("currentdate :matches \"iso8601\" \"2026-12-07T23:30:05+00:00\"").Folders);
        Assert.Throws<SieveCompileException>(() => SieveScript.Compile("require \"date\"; if currentdate \"century\" \"21\" { keep; }"));
        Assert.Throws<SieveCompileException>(() => SieveScript.Compile("require \"date\"; if currentdate :zone \"CET\" \"date\" \"x\" { keep; }"));
    }

    [Fact]
    public void Validation_NamesTheFields()
    {
        var bad = new MailFilterSettings(new VacationSettings(true, "", "", new DateOnly(2026, 12, 2), new DateOnly(2026, 12, 1), ["not an address"]),
            [new FilterRule("body", "contains", "x", "move", null), new FilterRule("size", "over", "big", "forward", "nobody")]);
        var errors = SieveFilterScript.Validate(bad);
        Assert.Contains("vacation.text", errors.Keys);
        Assert.Contains("vacation.end", errors.Keys);
        Assert.Contains("vacation.addresses", errors.Keys);
        Assert.Contains("rules[0].field", errors.Keys);
        Assert.Contains("rules[0].target", errors.Keys);
        Assert.Contains("rules[1].value", errors.Keys);
        Assert.Contains("rules[1].target", errors.Keys);
    }

    [Fact]
    public async Task FilterAdmin_SaveSwitchOffAndHandWrittenScripts_ThroughDelivery()
    {
        await using var engine = await EngineHost.StartAsync();
        var bob = await engine.CreateMailboxAsync("bob@example.com");
        var carol = await engine.CreateMailboxAsync("carol@example.com");
        var admin = engine.Services.GetRequiredService<IMailFilterAdmin>();
        var settings = new MailFilterSettings(new VacationSettings(true, "Away", "Back soon.", null, null, []), [new FilterRule("subject", "contains", "[news]", "move", "News")]);
        Assert.True((await admin.SaveAsync("bob@example.com", settings)).Succeeded);
        var state = (await admin.GetAsync("bob@example.com"))!;
        Assert.Equivalent(settings, state.Settings, strict: true);
        Assert.True(state.VacationActive);

        using (var client = await SmtpTestKit.ConnectAsync(engine.SmtpPort))
        {
            await client.SendAsync(SmtpTestKit.Message("carol@example.com", "bob@example.com", "[news] weekly"));
        }
        var news = await engine.Store.GetFolderAsync(bob.Id, "News");
        Assert.Single(await engine.Store.ListMessagesAsync(news!.Id));
        await SmtpTestKit.EventuallyAsync(async () => (await SmtpTestKit.InboxAsync(engine, carol)).Count == 1, "the vacation reply to carol");

        Assert.True(await admin.SwitchOffVacationAsync("bob@example.com"));
        state = (await admin.GetAsync("bob@example.com"))!;
        Assert.False(state.VacationActive);
        Assert.False(state.Settings!.Vacation.Enabled);
        Assert.Single(state.Settings.Rules);

        Assert.Equal("line 1: unknown command 'nonsense'", (await admin.SaveScriptAsync("bob@example.com", "nonsense;")).Errors["script"][0]);
        Assert.True((await admin.SaveScriptAsync("bob@example.com", "require \"vacation\"; vacation \"by hand\";")).Succeeded);
        state = (await admin.GetAsync("bob@example.com"))!;
        Assert.Null(state.Settings);
        Assert.True(state.VacationActive);
        Assert.True(await admin.SwitchOffVacationAsync("bob@example.com"));
        Assert.Null((await admin.GetAsync("bob@example.com"))!.Script);
        Assert.Null(await admin.GetAsync("nobody@example.com"));
        Assert.False(await admin.SwitchOffVacationAsync("nobody@example.com"));
    }
}
