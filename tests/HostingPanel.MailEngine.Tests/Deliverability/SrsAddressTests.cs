using System.Text;
using HostingPanel.MailEngine.Outbound.Srs;
using Xunit;

namespace HostingPanel.MailEngine.Tests.Deliverability;

/// <summary>The SRS0/SRS1 scheme on its own: round trips, case folding, forgery and age.</summary>
public sealed class SrsAddressTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);
    private static readonly SrsAddress Scheme = new(Encoding.UTF8.GetBytes("test secret"), maxAgeDays: 21);

    [Fact]
    public void Srs0_RoundTrip_ReturnsTheOriginalSender()
    {
        var rewritten = Scheme.Forward("Alice.Smith@Example.org", "forwarder.example", Now);
        Assert.Matches("^SRS0=[A-Z2-7]{6}=[A-Z2-7]{2}=Example.org=Alice.Smith@forwarder.example$", rewritten);
        Assert.Equal(new SrsReverseResult(SrsReverseStatus.Ok, "Alice.Smith@Example.org"), Scheme.Reverse(rewritten, Now));
    }

    [Fact]
    public void Srs0_SurvivesCaseFolding_ByTheNextHop()
    {
        var rewritten = Scheme.Forward("alice@example.org", "forwarder.example", Now).ToLowerInvariant();
        Assert.Equal(new SrsReverseResult(SrsReverseStatus.Ok, "alice@example.org"), Scheme.Reverse(rewritten, Now));
    }

    [Fact]
    public void Srs0_LocalPartWithEqualsSigns_RoundTrips()
    {
        var rewritten = Scheme.Forward("a=b=c@example.org", "forwarder.example", Now);
        Assert.Equal("a=b=c@example.org", Scheme.Reverse(rewritten, Now).Address);
    }

    [Theory]
    [InlineData("hash")]
    [InlineData("day")]
    [InlineData("domain")]
    [InlineData("local")]
    public void Srs0_AnyPartChanged_IsRefusedAsForged(string part)
    {
        var rewritten = Scheme.Forward("alice@example.org", "forwarder.example", Now);
        var local = rewritten[..rewritten.IndexOf('@')].Split('=', 5);
        switch (part)
        {
            case "hash": local[1] = local[1][0] == 'A' ? "B" + local[1][1..] : "A" + local[1][1..]; break;
            case "day": local[2] = SrsAddress.Day(Now.AddDays(-1)); break;
            case "domain": local[3] = "attacker.example"; break;
            case "local": local[4] = "bob"; break;
        }
        var forged = string.Join('=', local) + "@forwarder.example";
        Assert.Equal(SrsReverseStatus.BadHash, Scheme.Reverse(forged, Now).Status);
    }

    [Fact]
    public void Srs0_MadeWithAnotherSecret_IsRefused()
    {
        var other = new SrsAddress(Encoding.UTF8.GetBytes("another secret"), 21);
        Assert.Equal(SrsReverseStatus.BadHash, Scheme.Reverse(other.Forward("alice@example.org", "forwarder.example", Now), Now).Status);
    }

    [Fact]
    public void Srs0_OlderThanMaxAge_IsExpired_WithinIt_IsAccepted()
    {
        Assert.Equal(SrsReverseStatus.Ok, Scheme.Reverse(Scheme.Forward("alice@example.org", "f.example", Now.AddDays(-21)), Now).Status);
        Assert.Equal(SrsReverseStatus.Expired, Scheme.Reverse(Scheme.Forward("alice@example.org", "f.example", Now.AddDays(-22)), Now).Status);
    }

    [Theory]
    [InlineData("SRS0=@f.example")]
    [InlineData("SRS0=abc@f.example")]
    [InlineData("SRS0=abc=de=@f.example")]
    [InlineData("SRS1=abc=@f.example")]
    public void Malformed_IsRefused(string address) =>
        Assert.Equal(SrsReverseStatus.Malformed, Scheme.Reverse(address, Now).Status);

    [Fact]
    public void OrdinaryAddress_IsNotSrs() =>
        Assert.Equal(SrsReverseStatus.NotSrs, Scheme.Reverse("srs0@f.example", Now).Status);

    [Fact]
    public void Srs1_WrapsAnotherForwardersSrs0_AndBouncesBackToIt()
    {
        var first = new SrsAddress(Encoding.UTF8.GetBytes("first forwarder"), 21).Forward("alice@example.org", "first.example", Now);
        var second = Scheme.Forward(first, "second.example", Now);
        var opaque = first[4..first.IndexOf('@')];
        Assert.Matches("^SRS1=[A-Z2-7]{6}=first.example=" + System.Text.RegularExpressions.Regex.Escape(opaque) + "@second.example$", second);
        Assert.Equal(new SrsReverseResult(SrsReverseStatus.Ok, first), Scheme.Reverse(second, Now));
        // A third forwarder keeps the first one's address: the chain does not grow.
        var third = new SrsAddress(Encoding.UTF8.GetBytes("third"), 21).Forward(second, "third.example", Now);
        Assert.Matches("^SRS1=[A-Z2-7]{6}=first.example=" + System.Text.RegularExpressions.Regex.Escape(opaque) + "@third.example$", third);
        var forged = second.Replace("first.example", "evil.example");
        Assert.Equal(SrsReverseStatus.BadHash, Scheme.Reverse(forged, Now).Status);
    }
}
