using System.Diagnostics;
using HostingPanel.MailEngine.Sieve;
using static HostingPanel.MailEngine.Tests.Sieve.SieveTestKit;

namespace HostingPanel.MailEngine.Tests.Sieve;

/// <summary>The "regex" extension (draft-ietf-sieve-regex-01), as Pigeonhole runs it, on a non-backtracking engine.</summary>
public sealed class SieveRegexTests
{
    [Fact]
    public void Draft_Examples_MatchHeadersAndAddresses_WithCaptures_AndCaseFolding()
    {
        // From the draft's section 3 and Pigeonhole's test suite: list tags and sender domains.
        const string script = """
            require ["regex", "variables", "fileinto"];
            if address :regex :domain "from" "^(mail\\.)?example\\.(org|net)$" {
                if header :regex "subject" "^\\[([a-z-]+)\\] (.*)$" {
                    fileinto "lists/${1}";
                    stop;
                }
            }
            keep;
            """;
        Assert.Equal(["lists/acme-users"], Run(script, Msg("From: a@example.org\nSubject: [acme-users] version 1.0 is out")).Folders());
        // i;ascii-casemap (the default) folds case; i;octet does not.
        Assert.Equal(["lists/ACME"], Run(script, Msg("From: a@EXAMPLE.ORG\nSubject: [ACME] hi")).Folders());
        Assert.Equal(["INBOX"], Run(script, Msg("From: a@example.com\nSubject: [acme] hi")).Folders());
        Assert.Equal(["INBOX"], Run("""require ["regex", "fileinto"]; if header :regex :comparator "i;octet" "subject" "^hello" { fileinto "x"; }""").Folders());
        Assert.Equal(["x"], Run("""require ["regex", "fileinto"]; if header :regex :comparator "i;octet" "subject" "^Hello" { fileinto "x"; }""").Folders());
        // ${0} is the whole match; POSIX bracket classes work.
        Assert.Equal("there 5", Run("""require ["regex", "variables", "reject"]; if header :regex "subject" "[[:alpha:]]+$" { reject "${0} ${1}5"; }""").Reject);
    }

    [Fact]
    public void BadPatterns_AreCompileErrors_WithTheLine_AndRegexNeedsItsRequire()
    {
        var bad = Assert.Throws<SieveCompileException>(() => SieveScript.Compile("require \"regex\";\nif header :regex \"subject\" \"(unclosed\" { keep; }"));
        Assert.Contains("invalid regular expression", bad.Message);
        Assert.Contains("2", bad.Message);
        // Backreferences would need backtracking: refused, not run slowly.
        Assert.Throws<SieveCompileException>(() => SieveScript.Compile("require \"regex\"; if header :regex \"subject\" \"(a)\\\\1\" { keep; }"));
        Assert.Throws<SieveCompileException>(() => SieveScript.Compile("if header :regex \"subject\" \"a\" { keep; }"));
        Assert.Throws<SieveCompileException>(() => SieveScript.Compile(
            "require [\"regex\", \"comparator-i;ascii-numeric\"]; if header :regex :comparator \"i;ascii-numeric\" \"subject\" \"1\" { keep; }"));
        Assert.Contains("regex", SieveCapabilities.ManageSieveList.Split(' '));
    }

    [Fact]
    public void Hostile_CatastrophicPattern_OnALongHeader_RunsInLinearTime_AndABadPatternFromVariablesKeepsTheMail()
    {
        // (a+)+$ against "aaaa...b" takes exponential time on a backtracking engine; here it is linear.
        var subject = new string('a', 50_000) + "b";
        var watch = Stopwatch.StartNew();
        var result = Run("""require ["regex", "fileinto"]; if header :regex "subject" "^(a+)+$" { fileinto "never"; }""", Msg("Subject: " + subject));
        watch.Stop();
        Assert.Equal(["INBOX"], result.Folders());
        Assert.Null(result.Error);
        // A generous bound for a loaded machine: a backtracking engine would not finish in days.
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(20), $"took {watch.Elapsed}");

        var fromVariable = Run("""require ["regex", "variables", "fileinto"]; set "p" "(oops"; if header :regex "subject" "${p}" { fileinto "x"; }""");
        Assert.NotNull(fromVariable.Error);
        Assert.Contains("invalid regular expression", fromVariable.Error);
        Assert.Equal(["INBOX"], fromVariable.Folders());
    }
}
