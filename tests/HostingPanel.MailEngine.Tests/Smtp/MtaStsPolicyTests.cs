using HostingPanel.MailEngine.Outbound.MtaSts;

namespace HostingPanel.MailEngine.Tests.Smtp;

/// <summary>RFC 8461 grammar: the policy file (section 3.2), the TXT record (3.1) and MX matching (4.1).</summary>
public sealed class MtaStsPolicyTests
{
    [Fact]
    public void Rfc8461_3_2_ExamplePolicy_Parses()
    {
        // RFC 8461 section 3.2's example, with CRLF line ends as served.
        var policy = MtaStsPolicy.Parse("version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\nmx: *.example.net\r\nmx: backupmx.example.com\r\nmax_age: 604800\r\n", out var error);
        Assert.Null(error);
        Assert.NotNull(policy);
        Assert.Equal(MtaStsMode.Enforce, policy!.Mode);
        Assert.Equal(["mail.example.com", "*.example.net", "backupmx.example.com"], policy.MxPatterns);
        Assert.Equal(TimeSpan.FromDays(7), policy.MaxAge);
    }

    [Theory]
    [InlineData("mail.example.com", true)]
    [InlineData("MAIL.Example.COM.", true)]
    [InlineData("mx1.example.net", true)]
    [InlineData("example.net", false)]           // "*." stands for exactly one label
    [InlineData("a.b.example.net", false)]
    [InlineData("mail.example.com.evil.test", false)]
    [InlineData("backupmx.example.com", true)]
    public void Rfc8461_4_1_MxMatching(string host, bool matches)
    {
        var policy = MtaStsPolicy.Parse("version: STSv1\nmode: testing\nmx: mail.example.com\nmx: *.example.net\nmx: backupmx.example.com\nmax_age: 86400\n", out _)!;
        Assert.Equal(matches, policy.Matches(host));
    }

    [Theory]
    [InlineData("mode: enforce\nmx: a.example\nmax_age: 1\n", "version")]
    [InlineData("version: STSv2\nmode: enforce\nmx: a.example\nmax_age: 1\n", "version")]
    [InlineData("version: STSv1\nmode: strict\nmx: a.example\nmax_age: 1\n", "mode")]
    [InlineData("version: STSv1\nmode: enforce\nmx: a.example\n", "max_age")]
    [InlineData("version: STSv1\nmode: enforce\nmx: a.example\nmax_age: 31557601\n", "max_age")]
    [InlineData("version: STSv1\nmode: enforce\nmax_age: 60\n", "mx")]
    [InlineData("version: STSv1\nmode: enforce\nmx: bad_host!\nmax_age: 60\n", "MX pattern")]
    [InlineData("<html>not a policy</html>", "key: value")]
    public void Rfc8461_3_2_InvalidPolicies_AreRefused_WithTheReason(string body, string reason)
    {
        Assert.Null(MtaStsPolicy.Parse(body, out var error));
        Assert.Contains(reason, error);
    }

    [Fact]
    public void Rfc8461_3_2_ModeNone_NeedsNoMx_AndExtensionsAreIgnored()
    {
        var policy = MtaStsPolicy.Parse("version: STSv1\nmode: none\nmax_age: 0\nfuture_key: anything\n", out var error);
        Assert.Null(error);
        Assert.Equal(MtaStsMode.None, policy!.Mode);
    }

    [Theory]
    [InlineData("v=STSv1; id=20160831085700Z;", "20160831085700Z")]   // RFC 8461 3.1's example
    [InlineData("v=STSv1;id=abc", "abc")]
    [InlineData("v=STSv1; ext=1; id=X1", "X1")]
    [InlineData("id=abc; v=STSv1", null)]                             // v must come first
    [InlineData("v=STSv1; id=", null)]
    [InlineData("v=STSv1; id=has-dash", null)]
    [InlineData("v=STSv1; id=123456789012345678901234567890123", null)] // 33 characters
    [InlineData("v=spf1 -all", null)]
    public void Rfc8461_3_1_TxtRecord_GivesThePolicyId(string txt, string? id) =>
        Assert.Equal(id, MtaStsTxtRecord.PolicyId(txt));
}
