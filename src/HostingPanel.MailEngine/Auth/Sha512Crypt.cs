using System.Security.Cryptography;
using System.Text;

namespace HostingPanel.MailEngine.Auth;

/// <summary>
/// SHA-512 based crypt ("$6$"), as specified by Ulrich Drepper in "Unix crypt using SHA-256 and
/// SHA-512" (https://www.akkadia.org/drepper/SHA-crypt.txt). Dovecot calls it {SHA512-CRYPT}.
/// No NuGet package here implements it (docs/platform-notes.md), so it is written out step by step.
/// </summary>
public static class Sha512Crypt
{
    public const string Prefix = "$6$";
    private const string RoundsPrefix = "rounds=";
    public const int DefaultRounds = 5000;
    private const int MinRounds = 1000;
    private const int MaxRounds = 999_999_999;
    private const int MaxSaltLength = 16;
    private const string Alphabet = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    /// <summary>Computes the full crypt string for <paramref name="password"/> with the salt (and rounds) of <paramref name="setting"/>.</summary>
    /// <param name="setting">"$6$salt", "$6$rounds=N$salt" or a complete hash (its hash part is ignored).</param>
    public static string Crypt(string password, string setting)
    {
        if (!setting.StartsWith(Prefix, StringComparison.Ordinal))
            throw new FormatException("not a SHA-512 crypt setting");
        var rest = setting[Prefix.Length..];
        var rounds = DefaultRounds;
        var customRounds = false;
        if (rest.StartsWith(RoundsPrefix, StringComparison.Ordinal))
        {
            var end = rest.IndexOf('$');
            if (end < 0 || !long.TryParse(rest.AsSpan(RoundsPrefix.Length, end - RoundsPrefix.Length), out var requested))
                throw new FormatException("bad rounds");
            rounds = (int)Math.Clamp(requested, MinRounds, MaxRounds);
            customRounds = true;
            rest = rest[(end + 1)..];
        }
        var saltEnd = rest.IndexOf('$');
        var saltText = saltEnd < 0 ? rest : rest[..saltEnd];
        if (saltText.Length > MaxSaltLength)
            saltText = saltText[..MaxSaltLength];
        var key = Encoding.UTF8.GetBytes(password);
        var salt = Encoding.UTF8.GetBytes(saltText);
        var hash = Compute(key, salt, rounds);
        var sb = new StringBuilder(Prefix);
        if (customRounds)
            sb.Append(RoundsPrefix).Append(rounds).Append('$');
        sb.Append(saltText).Append('$').Append(Encode(hash));
        return sb.ToString();
    }

    /// <summary>Compares in constant time with <see cref="CryptographicOperations.FixedTimeEquals"/>.</summary>
    public static bool Verify(string password, string hash)
    {
        string computed;
        try
        {
            computed = Crypt(password, hash);
        }
        catch (FormatException)
        {
            return false;
        }
        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(computed), Encoding.ASCII.GetBytes(hash));
    }

    public static string Hash(string password, int rounds = DefaultRounds)
    {
        Span<byte> random = stackalloc byte[MaxSaltLength];
        RandomNumberGenerator.Fill(random);
        var salt = new char[MaxSaltLength];
        for (var i = 0; i < salt.Length; i++)
            salt[i] = Alphabet[random[i] & 63];
        var setting = rounds == DefaultRounds ? $"{Prefix}{new string(salt)}" : $"{Prefix}{RoundsPrefix}{rounds}${new string(salt)}";
        return Crypt(password, setting);
    }

    private static byte[] Compute(byte[] key, byte[] salt, int rounds)
    {
        // Steps 4-8 of the specification: digest B = SHA512(key, salt, key).
        var b = SHA512.HashData([.. key, .. salt, .. key]);

        // Steps 1-3, 9-12: digest A.
        using var a = IncrementalHash.CreateHash(HashAlgorithmName.SHA512);
        a.AppendData(key);
        a.AppendData(salt);
        int cnt;
        for (cnt = key.Length; cnt > 64; cnt -= 64)
            a.AppendData(b);
        a.AppendData(b, 0, cnt);
        for (cnt = key.Length; cnt > 0; cnt >>= 1)
        {
            if ((cnt & 1) != 0)
                a.AppendData(b);
            else
                a.AppendData(key);
        }
        var digestA = a.GetHashAndReset();

        // Steps 13-16: byte sequence P from digest DP = SHA512(key repeated |key| times).
        using var dpHash = IncrementalHash.CreateHash(HashAlgorithmName.SHA512);
        for (var i = 0; i < key.Length; i++)
            dpHash.AppendData(key);
        var p = Repeat(dpHash.GetHashAndReset(), key.Length);

        // Steps 17-20: byte sequence S from digest DS = SHA512(salt repeated 16 + A[0] times).
        using var dsHash = IncrementalHash.CreateHash(HashAlgorithmName.SHA512);
        for (var i = 0; i < 16 + digestA[0]; i++)
            dsHash.AppendData(salt);
        var s = Repeat(dsHash.GetHashAndReset(), salt.Length);

        // Step 21: the rounds.
        var c = digestA;
        using var round = IncrementalHash.CreateHash(HashAlgorithmName.SHA512);
        for (var i = 0; i < rounds; i++)
        {
            if ((i & 1) != 0) round.AppendData(p); else round.AppendData(c);
            if (i % 3 != 0) round.AppendData(s);
            if (i % 7 != 0) round.AppendData(p);
            if ((i & 1) != 0) round.AppendData(c); else round.AppendData(p);
            c = round.GetHashAndReset();
        }
        return c;
    }

    private static byte[] Repeat(byte[] digest, int length)
    {
        var result = new byte[length];
        for (var i = 0; i < length; i++)
            result[i] = digest[i % digest.Length];
        return result;
    }

    /// <summary>Step 22: the specification's byte order and base-64 alphabet, least significant 6 bits first.</summary>
    private static string Encode(byte[] h)
    {
        var sb = new StringBuilder(86);
        for (var i = 0; i < 21; i++)
        {
            var first = i * 22 % 63;
            Encode24(sb, h[first], h[(first + 21) % 63], h[(first + 42) % 63], 4);
        }
        Encode24(sb, 0, 0, h[63], 2);
        return sb.ToString();
    }

    private static void Encode24(StringBuilder sb, byte b2, byte b1, byte b0, int n)
    {
        var w = (b2 << 16) | (b1 << 8) | b0;
        for (var i = 0; i < n; i++)
        {
            sb.Append(Alphabet[w & 0x3f]);
            w >>= 6;
        }
    }
}
