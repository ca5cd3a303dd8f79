using HostingPanel.MailEngine.Sieve;
using Xunit;

namespace HostingPanel.MailEngine.Tests.Sieve;

/// <summary>RFC 6609 (include): the RFC's examples, scopes, and what a hostile script may try (loops, depth, paths).</summary>
public sealed class SieveIncludeTests
{
    private static SieveEnvironment Scripts(Dictionary<string, string> personal, Dictionary<string, string>? global = null, string main = "main") => new()
    {
        ScriptName = main,
        Include = (location, name) =>
        {
            var source = (location == SieveIncludeLocation.Global ? global ?? [] : personal).GetValueOrDefault(name);
            if (source is null)
                return null;
            try
            {
                return new SieveIncludedScript(SieveScript.Compile(source), null);
            }
            catch (SieveCompileException e)
            {
                return new SieveIncludedScript(null, e.Message);
            }
        },
    };

    /// <summary>RFC 6609 section 3.2's example: the included scripts' actions join the main script's result.</summary>
    [Fact]
    public void Rfc6609_IncludedScriptsActions_JoinTheResult_ImplicitKeepIsShared()
    {
        var env = Scripts(new()
        {
            ["spam_tests"] = "require [\"fileinto\"]; if header :contains \"subject\" \"viagra\" { fileinto \"Junk\"; }",
            ["mail_filter_rules"] = "require [\"fileinto\"]; if address :is \"from\" \"alice@example.org\" { fileinto \"Alice\"; }",
        });
        var result = SieveTestKit.Run("""
            require ["include"];
            include :personal "spam_tests";
            include :personal "mail_filter_rules";
            """, environment: env);
        Assert.Null(result.Error);
        Assert.Equal(["Alice"], result.Folders());

        var spam = SieveTestKit.Run("require \"include\"; include \"spam_tests\";",
            SieveTestKit.Msg("From: x@y.example\nSubject: buy viagra"), environment: env);
        Assert.Equal(["Junk"], spam.Folders());
    }

    /// <summary>Section 3.3: return ends only the included script; in the main script it is stop.</summary>
    [Fact]
    public void Rfc6609_Return_EndsTheIncludedScriptOnly_StopEndsEverything()
    {
        var env = Scripts(new()
        {
            ["early"] = "require [\"include\", \"fileinto\"]; fileinto \"A\"; return; fileinto \"B\";",
            ["halt"] = "require \"fileinto\"; fileinto \"H\"; stop;",
        });
        var result = SieveTestKit.Run("require [\"include\", \"fileinto\"]; include \"early\"; fileinto \"C\";", environment: env);
        Assert.Equal(["A", "C"], result.Folders().Order());

        var halted = SieveTestKit.Run("require [\"include\", \"fileinto\"]; include \"halt\"; fileinto \"C\";", environment: env);
        Assert.Equal(["H"], halted.Folders());

        var mainReturn = SieveTestKit.Run("require [\"include\", \"fileinto\"]; return; fileinto \"C\";", environment: env);
        Assert.Equal(["INBOX"], mainReturn.Folders());
    }

    /// <summary>Section 3.4 and 3.5: only variables declared global (or named "global.x") cross scripts.</summary>
    [Fact]
    public void Rfc6609_GlobalVariables_AreShared_OthersStayInTheirScript()
    {
        var env = Scripts(new()
        {
            ["setter"] = """
                require ["include", "variables"];
                global "test";
                set "test" "shared";
                set "local" "hidden";
                set "global.viaNamespace" "ns";
                """,
        });
        var result = SieveTestKit.Run("""
            require ["include", "variables", "fileinto", "mailbox"];
            set "local" "mine";
            global "test";
            include "setter";
            fileinto :create "${test}-${local}-${global.viaNamespace}";
            """, environment: env);
        Assert.Null(result.Error);
        Assert.Equal(["shared-mine-ns"], result.Folders());
    }

    [Fact]
    public void Rfc6609_Once_IncludesAScriptOnlyOnce_Optional_SkipsAMissingOne()
    {
        var env = Scripts(new() { ["counter"] = "require [\"include\", \"variables\"]; global \"n\"; set \"n\" \"${n}x\";" });
        var result = SieveTestKit.Run("""
            require ["include", "variables", "fileinto", "mailbox"];
            global "n";
            include :once "counter";
            include :once "counter";
            include "counter";
            include :optional "not-there";
            include :global :optional "not-there-either";
            fileinto :create "${n}";
            """, environment: env);
        Assert.Null(result.Error);
        Assert.Equal(["xx"], result.Folders());
    }

    /// <summary>A missing script without :optional, or one that does not compile, is a runtime error: the mail is kept.</summary>
    [Fact]
    public void MissingOrBrokenIncludedScript_IsARuntimeError_AndTheMailIsKept()
    {
        var env = Scripts(new() { ["broken"] = "fileinto \"x\";" });
        var missing = SieveTestKit.Run("require [\"include\"]; discard; include \"absent\";", environment: env);
        Assert.Contains("\"absent\" does not exist", missing.Error);
        Assert.Equal(["INBOX"], missing.Folders());
        var broken = SieveTestKit.Run("require [\"include\"]; discard; include \"broken\";", environment: env);
        Assert.Contains("does not compile", broken.Error);
        Assert.Equal(["INBOX"], broken.Folders());
        // Without any resolver (a path that has no scripts), every include is missing.
        Assert.Contains("does not exist", SieveTestKit.Run("require \"include\"; include \"x\";").Error);
    }

    /// <summary>Attacker: scripts that include each other, or the main script itself, end with the implicit keep, not a hang.</summary>
    [Fact]
    public void IncludeLoops_DirectOrIndirect_AreCut_AndTheMailIsKept()
    {
        var env = Scripts(new()
        {
            ["main"] = "require \"include\"; include \"a\";",
            ["a"] = "require \"include\"; include \"b\";",
            ["b"] = "require [\"include\", \"fileinto\"]; discard; include \"a\";",
            ["self"] = "require \"include\"; include \"self\";",
        });
        var loop = SieveTestKit.Run("require \"include\"; include \"a\";", environment: env);
        Assert.Contains("include loop", loop.Error);
        Assert.Equal(["INBOX"], loop.Folders());
        Assert.Contains("include loop", SieveTestKit.Run("require \"include\"; include \"self\";", environment: env).Error);
        // Back to the active script by its name.
        Assert.Contains("include loop", SieveTestKit.Run("require \"include\"; include \"main\";", environment: env).Error);
        // :once does not make a loop legal: the script is still running.
        Assert.Contains("include loop", SieveTestKit.Run("require \"include\"; include :once \"a\";", environment: env).Error);
    }

    /// <summary>Attacker: a chain deeper than the limit, or a script that includes one script thousands of times.</summary>
    [Fact]
    public void DeepChains_AndManyIncludes_HitTheirLimits()
    {
        var chain = new Dictionary<string, string>();
        for (var i = 0; i < 20; i++)
            chain["s" + i] = $"require \"include\"; include \"s{i + 1}\";";
        chain["s20"] = "keep;";
        var deep = SieveTestKit.Run("require \"include\"; include \"s0\";", environment: Scripts(chain));
        Assert.Contains("nested deeper than 10", deep.Error);
        Assert.Equal(["INBOX"], deep.Folders());

        var fan = Scripts(new()
        {
            ["leaf"] = "if false { keep; }",
            ["wide"] = "require \"include\"; " + string.Concat(Enumerable.Repeat("include \"leaf\"; ", 100)),
        });
        var many = SieveTestKit.Run("require \"include\"; " + string.Concat(Enumerable.Repeat("include \"wide\"; ", 10)), environment: fan);
        Assert.Contains("more than 255 includes", many.Error);
    }

    [Theory]
    [InlineData("include \"x\";", "needs require \"include\"")]
    [InlineData("require \"include\"; include :personal :global \"x\";", ":personal and :global cannot be used together")]
    [InlineData("require \"include\"; include \"../../etc/passwd\";", "invalid script name")]
    [InlineData("require \"include\"; include :global \"a/b\";", "invalid script name")]
    [InlineData("require \"include\"; include :global \".hidden\";", "invalid script name")]
    [InlineData("require \"include\"; include \"\";", "invalid script name")]
    [InlineData("require [\"include\", \"variables\"]; include \"${name}\";", "must be a constant")]
    [InlineData("require \"include\"; include [\"a\", \"b\"];", "script name must be a single string")]
    [InlineData("require \"include\"; return \"x\";", "usage: return;")]
    [InlineData("require \"include\"; global \"x\";", "global needs require \"variables\"")]
    [InlineData("require [\"include\", \"variables\"]; global \"a.b\";", "invalid global variable name")]
    [InlineData("require \"variables\"; set \"global.x\" \"1\";", "invalid variable name")]
    public void CompileErrors_NameTheProblem(string script, string error)
    {
        var e = Assert.Throws<SieveCompileException>(() => SieveScript.Compile(script));
        Assert.Contains(error, e.Message);
    }

    [Fact]
    public void Compiler_ListsTheIncludedNames_ForDelivery()
    {
        var script = SieveScript.Compile("require \"include\"; if true { include :global :optional \"site\"; } include :once \"mine\";");
        Assert.Equal([(SieveIncludeLocation.Global, "site", true, 1), (SieveIncludeLocation.Personal, "mine", false, 1)], script.Includes);
    }
}
