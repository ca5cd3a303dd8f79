using HostingPanel.MailEngine.Auth;
using Xunit;

namespace HostingPanel.MailEngine.Tests;

public sealed class AuthSchemeTests
{
    // The test vectors published with Drepper's specification (https://www.akkadia.org/drepper/SHA-crypt.txt).
    [Theory]
    [InlineData("$6$saltstring", "Hello world!", "$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1")]
    [InlineData("$6$rounds=10000$saltstringsaltstring", "Hello world!", "$6$rounds=10000$saltstringsaltst$OW1/O6BYHV6BcXZu8QVeXbDWra3Oeqh0sbHbbMCVNSnCM/UrjmM0Dp8vOuZeHBy/YTBmSK6H9qs/y3RnOaw5v.")]
    [InlineData("$6$rounds=5000$toolongsaltstring", "This is just a test", "$6$rounds=5000$toolongsaltstrin$lQ8jolhgVRVhY4b5pZKaysCLi0QBxGoNeKQzQ3glMhwllF7oGDZxUhx1yxdYcz/e1JSbq3y6JMxxl8audkUEm0")]
    [InlineData("$6$rounds=1400$anotherlongsaltstring", "a very much longer text to encrypt.  This one even stretches over morethan one line.", "$6$rounds=1400$anotherlongsalts$POfYwTEok97VWcjxIiSOjiykti.o/pQs.wPvMxQ6Fm7I6IoYN3CmLs66x9t0oSwbtEW7o7UmJEiDwGqd8p4ur1")]
    [InlineData("$6$rounds=77777$short", "we have a short salt string but not a short password", "$6$rounds=77777$short$WuQyW2YR.hBNpjjRhpYD/ifIw05xdfeEyQoMxIXbkvr0gge1a1x3yRULJ5CCaUeOxFmtlcGZelFl5CxtgfiAc0")]
    [InlineData("$6$rounds=123456$asaltof16chars..", "a short string", "$6$rounds=123456$asaltof16chars..$BtCwjqMJGx5hrJhZywWvt0RLE8uZ4oPwcelCjmw2kSYu.Ec6ycULevoBK25fs2xXgMNrCzIMVcgEJAstJeonj1")]
    [InlineData("$6$rounds=10$roundstoolow", "the minimum number is still observed", "$6$rounds=1000$roundstoolow$kUMsbe306n21p9R.FRkW3IGn.S9NPN0x50YhH1xhLsPuWGsUSklZt58jaTfF4ZEQpyUNGc0dqbpBYYBaHHrsX.")]
    public void Sha512Crypt_MatchesDreppersPublishedVectors(string setting, string password, string expected)
    {
        Assert.Equal(expected, Sha512Crypt.Crypt(password, setting));
        // Vectors above the cost limit are computed right, but a stored hash like them is never verified (issue 16 item 5).
        var withinLimit = DovecotHashCost.IsWithinLimits("{SHA512-CRYPT}" + expected);
        Assert.Equal(withinLimit, DovecotPassword.Verify(password, "{SHA512-CRYPT}" + expected));
        Assert.False(DovecotPassword.Verify(password + "x", "{SHA512-CRYPT}" + expected));
    }

    [Fact]
    public void Sha512Crypt_AgreesWithOpenSsl()
    {
        // `openssl passwd -6 -salt saltsalt secret` on Debian 12.
        Assert.Equal("$6$saltsalt$TVLlQcbpFVof5W3Yz4DTP6gRstiNuHwwTt6GLc1E5n0U0aDehy0S5knV8wiOQSpT0Y77vwPZN.Pq.H91p5hVO1",
            Sha512Crypt.Crypt("secret", "$6$saltsalt"));
    }

    [Fact]
    public void Argon2Id_VerifiesTheReferenceImplementationsVector()
    {
        // From the Argon2 reference implementation's test suite (argon2id, v=19, m=65536, t=2, p=1).
        const string hash = "{ARGON2ID}$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc";
        Assert.True(DovecotPassword.Verify("password", hash));
        Assert.False(DovecotPassword.Verify("passwore", hash));
    }

    [Fact]
    public void Argon2Id_HashIsInDoveadmFormatWithDovecotParameters()
    {
        var hash = new PasswordHasher().Hash("s3cret");
        Assert.Matches(@"^\{ARGON2ID\}\$argon2id\$v=19\$m=65536,t=3,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$", hash);
        Assert.True(DovecotPassword.Verify("s3cret", hash));
        Assert.False(DovecotPassword.Verify("S3cret", hash));
    }

    [Fact]
    public void Argon2Id_NativeAndManagedImplementationsAgree()
    {
        var salt = Convert.FromBase64String("aWL6CcW4h/x4YxZtLMLoXw==");
        Assert.Equal(DovecotPassword.ManagedArgon2("pässword", salt, 8192, 2, 1, 32), DovecotPassword.NativeArgon2("pässword", salt, 8192, 2, 32));
    }

    [Fact]
    public void BlfCrypt_IsAcceptedOnImport()
    {
        var hash = DovecotPassword.HashBlowfishCrypt("pw", workFactor: 4);
        Assert.StartsWith("{BLF-CRYPT}$2y$04$", hash);
        Assert.True(new PasswordHasher().IsSupported(hash));
        Assert.True(DovecotPassword.Verify("pw", hash));
        Assert.False(DovecotPassword.Verify("pW", hash));
    }

    [Theory]
    [InlineData("plain")]
    [InlineData("{PLAIN}secret")]
    [InlineData("{ARGON2ID}$argon2id$v=16$m=65536,t=3,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc")]
    [InlineData("{ARGON2ID}$argon2id$v=19$m=99999999,t=3,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc")]
    [InlineData("{SHA512-CRYPT}$5$abc$def")]
    public void UnsupportedOrUnsafeHashes_NeverVerify(string hash)
    {
        Assert.False(DovecotPassword.Verify("secret", hash));
    }
}
