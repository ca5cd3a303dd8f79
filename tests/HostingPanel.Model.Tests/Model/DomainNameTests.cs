using HostingPanel.Data.Model;

namespace HostingPanel.Model.Tests.Model;

public sealed class DomainNameTests
{
    [Theory]
    [InlineData("Example.COM", "example.com")]
    [InlineData("example.com.", "example.com")]
    [InlineData("  mail.example.org ", "mail.example.org")]
    [InlineData("bücher.example", "xn--bcher-kva.example")]
    [InlineData("пример.рф", "xn--e1afmkfd.xn--p1ai")]
    [InlineData("a-b.c0.example", "a-b.c0.example")]
    public void Idn_IsStoredAsLowerCaseALabels(string input, string stored)
    {
        Assert.True(DomainName.TryParse(input, out var name, out var error), error);
        Assert.Equal(stored, name!.Value);
    }

    [Fact]
    public void ALabels_ReadBackAsUnicode()
    {
        Assert.Equal("bücher.example", DomainName.Parse("xn--bcher-kva.example").ToUnicode());
    }

    [Theory]
    [InlineData("", "Enter a domain name.")]
    [InlineData("localhost", "A domain name needs at least two labels, like example.com.")]
    [InlineData("-bad.example", "A part of a domain name cannot start or end with a hyphen.")]
    [InlineData("bad-.example", "A part of a domain name cannot start or end with a hyphen.")]
    [InlineData("under_score.example", "A domain name may contain only letters, digits and hyphens.")]
    [InlineData("a..example", "Each part of a domain name must have 1 to 63 characters.")]
    [InlineData("exa mple.com", "A domain name cannot contain spaces or control characters.")]
    [InlineData("evil.com\r\nRCPT TO:<x@y>", "A domain name cannot contain spaces or control characters.")]
    [InlineData("example.123", "The last part of a domain name cannot be all digits.")]
    public void InvalidNames_AreRefusedWithAReason(string input, string message)
    {
        Assert.False(DomainName.TryParse(input, out _, out var error));
        Assert.Equal(message, error);
    }

    [Fact]
    public void Rfc1035_LabelOf63IsAccepted_64IsRefused()
    {
        Assert.True(DomainName.TryParse(new string('a', 63) + ".example", out _, out _));
        Assert.False(DomainName.TryParse(new string('a', 64) + ".example", out _, out var error));
        Assert.Contains("1 to 63", error);
    }

    [Fact]
    public void Rfc1035_NameOver253OctetsIsRefused()
    {
        var name = string.Join('.', Enumerable.Repeat(new string('a', 60), 4)) + ".example"; // 4*61 + 7 = 251
        Assert.True(DomainName.TryParse(name, out _, out _));
        Assert.False(DomainName.TryParse("abc." + name, out _, out var error));
        Assert.Contains("253", error);
    }
}

public sealed class LocalPartAndAddressTests
{
    [Theory]
    [InlineData("adam")]
    [InlineData("first.last")]
    [InlineData("user+tag")]
    [InlineData("o'brien")]
    [InlineData("x_y-z")]
    public void Rfc5321_DotAtomLocalParts_AreAccepted(string input) =>
        Assert.True(LocalPart.TryParse(input, out _, out var error), error);

    [Theory]
    [InlineData(".adam", "Dots cannot start or end the part before the @, or follow each other.")]
    [InlineData("adam.", "Dots cannot start or end the part before the @, or follow each other.")]
    [InlineData("a..b", "Dots cannot start or end the part before the @, or follow each other.")]
    [InlineData("a b", "The character ' ' is not allowed before the @.")]
    [InlineData("a\"b", "The character '\"' is not allowed before the @.")]
    [InlineData("a@b", "The character '@' is not allowed before the @.")]
    [InlineData("a\r\nb", "The character '?' is not allowed before the @.")]
    [InlineData("", "Enter the part before the @.")]
    public void InvalidLocalParts_AreRefusedWithAReason(string input, string message)
    {
        Assert.False(LocalPart.TryParse(input, out _, out var error));
        Assert.Equal(message, error);
    }

    [Fact]
    public void LocalPart_Over64Octets_IsRefused()
    {
        Assert.True(LocalPart.TryParse(new string('a', 64), out _, out _));
        Assert.False(LocalPart.TryParse(new string('a', 65), out _, out _));
    }

    [Fact]
    public void LocalParts_AreStoredInLowerCase() => Assert.Equal("adam.smith", LocalPart.Parse("Adam.Smith").Value);

    [Fact]
    public void Address_CombinesLocalPartAndIdnDomain()
    {
        Assert.Equal("info@xn--bcher-kva.example", EmailAddress.Parse("Info@Bücher.example").Value);
        Assert.False(EmailAddress.TryParse("no-at-sign", out _, out _));
        Assert.False(EmailAddress.TryParse("adam@", out _, out _));
    }
}
