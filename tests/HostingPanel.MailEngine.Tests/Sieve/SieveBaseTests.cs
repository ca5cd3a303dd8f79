using HostingPanel.MailEngine.Sieve;
using HostingPanel.MailEngine.Storage;
using Xunit;
using static HostingPanel.MailEngine.Tests.Sieve.SieveTestKit;

namespace HostingPanel.MailEngine.Tests.Sieve;

/// <summary>RFC 5228: the base language, its tests, comparators and match types, with the RFC's own examples.</summary>
public sealed class SieveBaseTests
{
    // RFC 5228 section 9, verbatim apart from the folder names' case.
    private const string Rfc5228Example = """
        #
        # Example Sieve Filter
        # Declare any optional features or extension used by the script
        #
        require ["fileinto"];

        #
        # Handle messages from known mailing lists
        # Move messages from IETF filter discussion list to filter mailbox
        #
        if header :is "Sender" "owner-ietf-mta-filters@imc.org"
                {
                fileinto "filter";  # move to "filter" mailbox
                }
        #
        # Keep all messages to or from people in my company
        #
        elsif address :DOMAIN :is ["From", "To"] "example.com"
                {
                keep;               # keep in "In" mailbox
                }

        #
        # Try and catch unsolicited email.  If a message is not to me,
        # or it contains a subject known to be spam, file it away.
        #
        elsif anyof (NOT address :all :contains
                       ["To", "Cc", "Bcc"] "me@example.com",
                     header :matches "subject"
                       ["*make*money*fast*", "*university*dipl*mas*"])
                {
                fileinto "spam";   # move to "spam" mailbox
                }
        else
                {
                # Move all other (non-company) mail to "personal"
                # mailbox.
                fileinto "personal";
                }
        """;

    [Fact]
    public void Rfc5228_Section9Example_SortsListCompanySpamAndPersonal()
    {
        Assert.Equal(["filter"], Run(Rfc5228Example, Msg("Sender: owner-ietf-mta-filters@imc.org\nFrom: x@imc.org\nTo: me@example.com")).Folders());
        Assert.Equal([MailStore.Inbox], Run(Rfc5228Example, Msg("From: boss@EXAMPLE.com\nTo: me@other.example")).Folders());
        Assert.Equal(["spam"], Run(Rfc5228Example, Msg("From: a@b.example\nTo: someone@else.example")).Folders());
        Assert.Equal(["spam"], Run(Rfc5228Example, Msg("From: a@b.example\nTo: list@other.example\nCc: me@example.com\nSubject: Make Money Fast now")).Folders());
        Assert.Equal(["personal"], Run(Rfc5228Example, Msg("From: a@b.example\nCc: me@example.com\nSubject: lunch")).Folders());
    }

    [Fact]
    public void NoActions_ImplicitKeep_StoresInInbox()
    {
        var result = Run("# nothing\r\n");
        Assert.True(result.IsPlainKeep);
    }

    [Fact]
    public void Discard_CancelsImplicitKeep_Stop_EndsTheScript()
    {
        Assert.Empty(Run("discard;").Folders);
        Assert.Equal([MailStore.Inbox], Run("stop; discard;").Folders());
    }

    [Fact]
    public void Fileinto_SameFolderTwice_IsOneCopy_AndKeepIsInbox()
    {
        var result = Run("require \"fileinto\"; fileinto \"A\"; fileinto \"A\"; keep; keep;");
        Assert.Equal(["A", MailStore.Inbox], result.Folders());
    }

    [Fact]
    public void Rfc5228_Comparators_OctetIsCaseSensitive_CasemapIsNot()
    {
        Assert.NotEmpty(Run("if header :is :comparator \"i;octet\" \"subject\" \"hello there\" { discard; }").Folders);
        Assert.Empty(Run("if header :is \"subject\" \"HELLO THERE\" { discard; }").Folders);
        Assert.Empty(Run("if header :is :comparator \"i;octet\" \"subject\" \"Hello there\" { discard; }").Folders);
    }

    [Fact]
    public void Rfc5228_MatchTypes_ContainsMatchesWithEscapes()
    {
        Assert.Empty(Run("if header :contains \"subject\" \"LO TH\" { discard; }").Folders);
        Assert.Empty(Run("if header :matches \"subject\" \"h?llo*\" { discard; }").Folders);
        Assert.NotEmpty(Run("if header :matches \"subject\" \"hello\" { discard; }").Folders);
        // "\\*" in a quoted string is "\*": a literal asterisk.
        Assert.Empty(Run("if header :matches \"subject\" \"a\\\\*\" { discard; }", Msg("Subject: a*")).Folders);
        Assert.NotEmpty(Run("if header :matches \"subject\" \"a\\\\*\" { discard; }", Msg("Subject: ab")).Folders);
    }

    [Fact]
    public void Rfc5228_AddressParts_LocalpartDomainAll()
    {
        const string message = "From: \"Alice A.\" <Alice.A@Sub.Example.ORG>\r\nTo: me@example.com\r\n\r\nx\r\n";
        Assert.Empty(Run("if address :localpart \"from\" \"alice.a\" { discard; }", message).Folders);
        Assert.Empty(Run("if address :domain :is \"from\" \"sub.example.org\" { discard; }", message).Folders);
        Assert.Empty(Run("if address :all :is \"from\" \"alice.a@sub.example.org\" { discard; }", message).Folders);
        Assert.NotEmpty(Run("if address :is \"from\" \"Alice A.\" { discard; }", message).Folders);
    }

    [Fact]
    public void Rfc5228_Envelope_FromAndTo_NullSenderMatchesEmpty()
    {
        const string script = "require [\"envelope\", \"fileinto\"]; if envelope :domain \"from\" \"example.org\" { discard; } elsif envelope :is \"from\" \"\" { fileinto \"null\"; }";
        Assert.Empty(Run(script).Folders);
        Assert.Equal(["null"], Run(script, from: "").Folders());
        Assert.Empty(Run("require \"envelope\"; if envelope :localpart \"to\" \"me\" { discard; }").Folders);
    }

    [Fact]
    public void Rfc5228_ExistsSizeNotAllofAnyofTrueFalse()
    {
        Assert.Empty(Run("if exists [\"From\", \"Subject\"] { discard; }").Folders);
        Assert.NotEmpty(Run("if exists [\"From\", \"X-Nope\"] { discard; }").Folders);
        Assert.Empty(Run("if size :under 1K { discard; }").Folders);
        Assert.NotEmpty(Run("if size :over 1K { discard; }").Folders);
        Assert.Empty(Run("if allof (true, not false) { discard; }").Folders);
        Assert.NotEmpty(Run("if anyof (false, not true) { discard; }").Folders);
    }

    [Fact]
    public void Rfc5228_HeaderValues_AreRfc2047Decoded()
    {
        var message = Msg("From: a@b.example\nSubject: =?UTF-8?B?R3LDvMOfZQ==?=");
        Assert.Empty(Run("if header :is \"subject\" \"Grüße\" { discard; }", message).Folders);
    }

    [Fact]
    public void Rfc5228_MultiLineStrings_DotStuffing_AndComments()
    {
        const string script = "require \"reject\";\r\nreject text: # a comment\r\nline one\r\n..dot line\r\n.\r\n;\r\n/* block\r\ncomment */\r\n";
        Assert.Equal("line one\r\n.dot line\r\n", Run(script).Reject);
    }

    [Theory]
    [InlineData("if true { keep; }\nelse { keep; }\nkeepp;", 3, "unknown command 'keepp'")]
    [InlineData("require \"fileinto\";\nfileinto \"a\";\nrequire \"body\";", 3, "'require' must come before any other command")]
    [InlineData("\n\nfileinto \"x\";", 3, "fileinto needs require \"fileinto\"")]
    [InlineData("require \"nosuch\";", 1, "unsupported extension \"nosuch\"")]
    [InlineData("if header :is \"a\"\n{ keep; }", 1, "usage: header")]
    [InlineData("keep\n", 2, "expected ';' or '{'")]
    [InlineData("if true {\n keep;\n", 3, "expected '}'")]
    [InlineData("redirect \"not an address\";", 1, "invalid redirect address")]
    [InlineData("if address \"subject\" \"x\" { keep; }", 1, "is not an address header")]
    [InlineData("\"unterminated", 1, "unterminated string")]
    [InlineData("keep;\n\"a string\";", 2, "unexpected a string")]
    [InlineData("reject \"x", 1, "unterminated string")]
    [InlineData("elsif true { keep; }", 1, "'elsif' without a preceding 'if'")]
    public void Compile_Errors_NameTheLine(string script, int line, string message)
    {
        var e = Assert.Throws<SieveCompileException>(() => SieveScript.Compile(script));
        Assert.Equal(line, e.Line);
        Assert.Contains(message, e.Message);
        Assert.StartsWith($"line {line}: ", e.Message);
    }

    [Fact]
    public void Limits_NestingDepth_AndScriptSize_AreCompileErrors()
    {
        var deep = string.Concat(Enumerable.Repeat("if true {", 40)) + string.Concat(Enumerable.Repeat("}", 40));
        Assert.Contains("nested deeper", Assert.Throws<SieveCompileException>(() => SieveScript.Compile(deep)).Message);
        var notNot = "if " + string.Concat(Enumerable.Repeat("not ", 100)) + "true { keep; }";
        Assert.Contains("nested deeper", Assert.Throws<SieveCompileException>(() => SieveScript.Compile(notNot)).Message);
        var huge = "# " + new string('x', SieveCompiler.MaxScriptLength) + "\n";
        Assert.Contains("larger than", Assert.Throws<SieveCompileException>(() => SieveScript.Compile(huge)).Message);
    }

    [Fact]
    public void Limits_TooManySteps_IsARuntimeError_ThatKeeps()
    {
        var tests = string.Join(", ", Enumerable.Repeat("header :matches \"subject\" \"*a*b*c*d*\"", 200));
        var script = "require \"fileinto\"; if anyof (" + tests + ") { discard; } fileinto \"never\";";
        var result = Run(script, limits: new SieveLimits { MaxSteps = 100 });
        Assert.NotNull(result.Error);
        Assert.Contains("steps", result.Error);
        Assert.Equal([MailStore.Inbox], result.Folders());
    }

    [Fact]
    public void Limits_Redirects_AndActions_AreRuntimeErrors_ThatKeep()
    {
        var redirects = string.Concat(Enumerable.Range(1, 5).Select(i => $"redirect \"r{i}@example.net\";"));
        var result = Run(redirects);
        Assert.Contains("redirects", result.Error);
        Assert.Empty(result.Redirects);
        Assert.Equal([MailStore.Inbox], result.Folders());
        var actions = "require \"fileinto\";" + string.Concat(Enumerable.Range(1, 40).Select(i => $"fileinto \"f{i}\";"));
        Assert.Contains("actions", Run(actions).Error);
    }

    [Fact]
    public void Redirect_CancelsImplicitKeep_Duplicates_Collapse()
    {
        var result = Run("redirect \"a@example.net\"; redirect \"A@example.net\";");
        Assert.Equal(["a@example.net"], result.Redirects);
        Assert.Empty(result.Folders);
    }

    [Fact]
    public void Matcher_HostileWildcards_AreBoundedBySteps()
    {
        var value = new string('a', 5000);
        var message = Msg("Subject: " + value);
        var pattern = string.Concat(Enumerable.Repeat("*a", 60)) + "*b";
        var result = Run($"if header :matches \"subject\" \"{pattern}\" {{ discard; }}", message);
        Assert.Equal([MailStore.Inbox], result.Folders());
    }
}
