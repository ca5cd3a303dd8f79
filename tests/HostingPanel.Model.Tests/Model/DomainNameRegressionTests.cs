using HostingPanel.Data.Model;

namespace HostingPanel.Model.Tests.Model;

/// <summary>Inputs the fuzzer found (issue 26), kept as tests of their own beside the corpus entries CI replays.</summary>
public sealed class DomainNameRegressionTests
{
    [Theory]
    // A label with "--" in the third and fourth place that is not Punycode: IDNA cannot show it.
    [InlineData("a9999999999921474834294967295uxample.cn--ba.exom")]
    // Punycode that IDNA would spell differently, so one name would have two spellings.
    [InlineData("xn--a-ecp.com")]
    [InlineData("example.com..")]
    [InlineData("bu\u00ADcher.example")]
    public void Refused_AndWhatIsAcceptedCanAlwaysBeShown(string input)
    {
        Assert.False(DomainName.TryParse(input, out _, out var error));
        Assert.False(string.IsNullOrEmpty(error));
    }
}
