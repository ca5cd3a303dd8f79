using HostingPanel.MailEngine.Sieve;
using HostingPanel.MailEngine.Storage;
using Xunit;
using static HostingPanel.MailEngine.Tests.Sieve.SieveTestKit;

namespace HostingPanel.MailEngine.Tests.Sieve;

/// <summary>One group per extension, each with its RFC's examples.</summary>
public sealed class SieveExtensionTests
{
    // ------------------------------------------------------------ RFC 5229 variables

    [Fact]
    public void Rfc5229_Section3_MatchVariables_ListIdAndSubjectExamples()
    {
        const string script = """
            require ["fileinto", "variables"];
            if header :matches "List-ID" "*<*@*" {
                fileinto "INBOX/lists/${2}"; stop;
            }
            # Imagine the header
            # Subject: [acme-users] [fwd] version 1.0 is out
            if header :matches "Subject" "[*] *" {
                # ${1} will hold "acme-users",
                # ${2} will hold "[fwd] version 1.0 is out"
                fileinto "INBOX/lists/${1}"; stop;
            }
            """;
        Assert.Equal(["INBOX/lists/sieve"], Run(script, Msg("List-ID: Sieve discussion <sieve@ietf.org>")).Folders());
        Assert.Equal(["INBOX/lists/acme-users"], Run(script, Msg("Subject: [acme-users] [fwd] version 1.0 is out")).Folders());
    }

    [Fact]
    public void Rfc5229_Section4_SetModifiers()
    {
        string Value(string set) => Run($"require [\"variables\", \"reject\"]; set \"a\" \"juMBlEd lETteRS\"; {set} reject \"${{b}}\";").Reject!;
        Assert.Equal("15", Value("set :length \"b\" \"${a}\";"));
        Assert.Equal("jumbled letters", Value("set :lower \"b\" \"${a}\";"));
        Assert.Equal("JuMBlEd lETteRS", Value("set :upperfirst \"b\" \"${a}\";"));
        Assert.Equal("Jumbled letters", Value("set :upperfirst :lower \"b\" \"${a}\";"));
        Assert.Equal("Rock\\*", Value("set :quotewildcard \"b\" \"Rock*\";"));
        Assert.Throws<SieveCompileException>(() => SieveScript.Compile("require \"variables\"; set :lower :upper \"b\" \"x\";"));
    }

    [Fact]
    public void Rfc5229_Section3_Example_MultiLineWithVariables_CaseInsensitiveNames()
    {
        const string script = """
            require ["variables", "reject"];
            set "honorific"  "Mr";
            set "first_name" "Joe";
            set "last_name"  "Doe";
            set "vacation" text:
            Dear ${HONORIFIC} ${last_name},
            I'm out, please leave a message after the meep.
            .
            ;
            reject "${vacation}${unknown}${1}${bad-name}";
            """;
        Assert.Equal("Dear Mr Doe,\r\nI'm out, please leave a message after the meep.\r\n${bad-name}", Run(script).Reject);
    }

    [Fact]
    public void Rfc5229_StringTest_AndVariablesWithoutRequire_AreLiteral()
    {
        Assert.Empty(Run("require \"variables\"; set \"x\" \"abc\"; if string :is \"${x}\" \"abc\" { discard; }").Folders);
        Assert.Equal("${x}", Run("require \"reject\"; reject \"${x}\";").Reject);
    }

    // ------------------------------------------------------------ RFC 5232 imap4flags

    [Fact]
    public void Rfc5232_Example_FlagsFromBoss_AndImplicitKeepCarriesFlags()
    {
        const string script = """
            require ["imap4flags", "fileinto"];
            if header :contains "from" "boss@frobnitzm.example.edu" {
                setflag "\\Flagged";
                fileinto "From Boss";
            }
            addflag ["\\Seen", "$Label1 junk"];
            removeflag "junk";
            """;
        var boss = Run(script, Msg("From: boss@frobnitzm.example.edu"));
        var folder = Assert.Single(boss.Folders);
        Assert.Equal("From Boss", folder.Folder);
        Assert.Equal(MessageFlags.Flagged, folder.Flags);
        var other = Assert.Single(Run(script).Folders);
        Assert.Equal(MailStore.Inbox, other.Folder);
        Assert.Equal(MessageFlags.Seen, other.Flags);
        Assert.Equal(["$Label1"], other.Keywords);
    }

    [Fact]
    public void Rfc5232_FlagsArgument_HasflagTest_AndFlagVariables()
    {
        var result = Run("require [\"imap4flags\", \"fileinto\"]; fileinto :flags [\"\\\\Answered\", \"work\"] \"W\"; keep :flags \"\\\\Deleted\";");
        Assert.Equal(MessageFlags.Answered, result.Folders[0].Flags);
        Assert.Equal(["work"], result.Folders[0].Keywords);
        Assert.Equal(MessageFlags.Deleted, result.Folders[1].Flags);
        Assert.Empty(Run("require \"imap4flags\"; addflag \"a b\"; if hasflag :contains \"b\" { discard; }").Folders);
        Assert.Empty(Run("require [\"imap4flags\", \"variables\"]; addflag \"v\" [\"x\", \"y\"]; removeflag \"v\" \"x\"; if hasflag \"v\" \"y\" { discard; }").Folders);
    }

    // ------------------------------------------------------------ RFC 5173 body

    private const string Multipart = "From: a@b.example\r\nTo: me@example.com\r\nSubject: mp\r\nMIME-Version: 1.0\r\n" +
        "Content-Type: multipart/alternative; boundary=XX\r\n\r\n" +
        "--XX\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\nVGhlIG1pc3NpbGUgY29vcmRpbmF0ZXM=\r\n" +
        "--XX\r\nContent-Type: text/html\r\n\r\n<p>MAKE <b>MONEY</b> FAST</p>\r\n--XX--\r\n";

    [Fact]
    public void Rfc5173_Examples_RawContentAndText()
    {
        Assert.Empty(Run("require \"body\"; if body :raw :contains \"MAKE <b>MONEY\" { discard; }", Multipart).Folders);
        Assert.Equal(["secrets"], Run("require [\"body\", \"fileinto\"]; if body :content \"text\" :contains [\"missile\", \"coordinates\"] { fileinto \"secrets\"; }", Multipart).Folders());
        // :raw does not decode: the base64 text is not found.
        Assert.NotEmpty(Run("require \"body\"; if body :raw :contains \"missile\" { discard; }", Multipart).Folders);
        // :text decodes and turns HTML into text.
        Assert.Empty(Run("require \"body\"; if body :text :contains \"make money fast\" { discard; }", Multipart).Folders);
        Assert.NotEmpty(Run("require \"body\"; if body :content \"text/plain\" :contains \"MONEY\" { discard; }", Multipart).Folders);
    }

    // ------------------------------------------------------------ RFC 3894 copy, RFC 5490 mailbox

    [Fact]
    public void Rfc3894_Copy_KeepsTheImplicitKeep()
    {
        var result = Run("require [\"copy\", \"fileinto\"]; redirect :copy \"other@example.net\"; fileinto :copy \"Archive\";");
        Assert.Equal(["other@example.net"], result.Redirects);
        Assert.Equal(["Archive", MailStore.Inbox], result.Folders());
        Assert.Throws<SieveCompileException>(() => SieveScript.Compile("redirect :copy \"a@b.example\";"));
    }

    [Fact]
    public void Rfc5490_CreateNeedsMailbox_MailboxExists()
    {
        Assert.Throws<SieveCompileException>(() => SieveScript.Compile("require \"fileinto\"; fileinto :create \"x\";"));
        var result = Run("require [\"fileinto\", \"mailbox\"]; fileinto :create \"New/Sub\";");
        Assert.True(Assert.Single(result.Folders).Create);
        var env = new SieveEnvironment { MailboxExists = name => name == "Archive" };
        Assert.Empty(Run("require \"mailbox\"; if mailboxexists \"Archive\" { discard; }", environment: env).Folders);
        Assert.NotEmpty(Run("require \"mailbox\"; if mailboxexists [\"Archive\", \"Nope\"] { discard; }", environment: env).Folders);
    }

    // ------------------------------------------------------------ RFC 5231 relational

    [Fact]
    public void Rfc5231_ValueAndCount_WithAsciiNumeric()
    {
        const string require = "require [\"relational\", \"comparator-i;ascii-numeric\"];";
        var spam = Msg("X-Spam-Score: 12\nTo: a@example.com, b@example.com");
        Assert.Empty(Run(require + "if header :value \"ge\" :comparator \"i;ascii-numeric\" \"x-spam-score\" \"5\" { discard; }", spam).Folders);
        Assert.NotEmpty(Run(require + "if header :value \"lt\" :comparator \"i;ascii-numeric\" \"x-spam-score\" \"5\" { discard; }", spam).Folders);
        Assert.Empty(Run(require + "if address :count \"eq\" :comparator \"i;ascii-numeric\" \"to\" \"2\" { discard; }", spam).Folders);
    }

    // ------------------------------------------------------------ RFC 5230 vacation

    [Fact]
    public void Rfc5230_Section4_Example_ChoosesTheReason_AndDerivesAHandle()
    {
        const string script = """
            require "vacation";
            if header :contains "subject" "cyrus" {
                vacation "I'm out -- send mail to cyrus-bugs";
            } else {
                vacation "I'm out -- call me at +1 304 555 0123";
            }
            """;
        var cyrus = Run(script, Msg("Subject: a cyrus question")).Vacation!;
        var other = Run(script).Vacation!;
        Assert.Equal("I'm out -- send mail to cyrus-bugs", cyrus.Reason);
        Assert.Equal("I'm out -- call me at +1 304 555 0123", other.Reason);
        Assert.NotEqual(cyrus.Handle, other.Handle);
        Assert.Equal([MailStore.Inbox], Run(script).Folders());
    }

    [Fact]
    public void Rfc5230_Arguments_DaysSecondsSubjectFromAddressesHandle()
    {
        var v = Run("require \"vacation\"; vacation :days 3 :subject \"Away\" :from \"me@example.com\" :addresses [\"alias@example.com\"] :handle \"h1\" \"Back soon\";").Vacation!;
        Assert.Equal(3 * 86400, v.Seconds);
        Assert.Equal("Away", v.Subject);
        Assert.Equal("me@example.com", v.From);
        Assert.Equal(["alias@example.com"], v.Addresses);
        Assert.Equal("h1", v.Handle);
        Assert.Equal(0, Run("require \"vacation-seconds\"; vacation :seconds 0 \"x\";").Vacation!.Seconds);
        Assert.Throws<SieveCompileException>(() => SieveScript.Compile("require \"vacation\"; vacation :seconds 5 \"x\";"));
        Assert.Contains("more than one vacation", Run("require \"vacation\"; vacation \"a\"; vacation \"b\";").Error);
    }

    // ------------------------------------------------------------ RFC 5429 reject / ereject

    [Fact]
    public void Rfc5429_Example_Reject_CancelsKeep_ConflictsWithKeepAndVacation()
    {
        const string script = """
            require ["reject"];
            if header :contains "from" "coyote@desert.example.org" {
                reject text:
            I am not taking mail from you, and I don't
            want your birdseed, either!
            .
            ;
            }
            """;
        var result = Run(script, Msg("From: coyote@desert.example.org"));
        Assert.Equal("I am not taking mail from you, and I don't\r\nwant your birdseed, either!\r\n", result.Reject);
        Assert.Empty(result.Folders);
        Assert.Null(Run(script).Reject);
        var conflict = Run("require [\"reject\", \"vacation\"]; reject \"no\"; vacation \"away\";");
        Assert.Contains("reject cannot be combined", conflict.Error);
        Assert.Null(conflict.Reject);
        Assert.Equal([MailStore.Inbox], conflict.Folders());
        Assert.True(Run("require \"ereject\"; ereject \"no\";").ExtendedReject);
    }
}
