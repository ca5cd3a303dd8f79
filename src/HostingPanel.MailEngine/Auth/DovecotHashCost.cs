using System.Globalization;
using System.Text.RegularExpressions;

namespace HostingPanel.MailEngine.Auth;

/// <summary>
/// The most a stored hash may cost to verify, near Dovecot's own defaults (doveadm pw: {ARGON2ID} m=65536 KiB
/// t=3 p=1, {SHA512-CRYPT} 5,000 rounds, {BLF-CRYPT} cost 5) with room for what other servers commonly write
/// (PHP's argon2id t=4, bcrypt cost 10). A hash above them is refused at import with the limit in the message,
/// and never verified if it reached the store some other way: one hostile import must not make each login take
/// seconds of CPU or a gigabyte of memory.
/// </summary>
public static partial class DovecotHashCost
{
    public const int MaxArgon2MemoryKiB = 65536;
    public const int MaxArgon2Passes = 4;
    public const int MaxArgon2Lanes = 4;
    public const int MaxSha512CryptRounds = 20_000;
    public const int MaxBlowfishCost = 10;

    /// <summary>Why the hash costs too much to verify (a sentence naming the limit), or null when it is within the limits.</summary>
    public static string? Exceeded(string hash)
    {
        var scheme = DovecotPassword.SchemeOf(hash);
        if (scheme is null) return null;
        var data = hash[(scheme.Length + 2)..];
        if (scheme == DovecotPassword.CryptScheme)
            scheme = data.StartsWith(Sha512Crypt.Prefix, StringComparison.Ordinal) ? DovecotPassword.Sha512CryptScheme : DovecotPassword.BlowfishCryptScheme;
        switch (scheme)
        {
            case DovecotPassword.Argon2IdScheme:
                var a = Argon2Parameters().Match(data);
                if (!a.Success) return null; // not a parameter list at all: the format check refuses it
                if (Number(a.Groups["m"].Value) > MaxArgon2MemoryKiB)
                    return $"The {{ARGON2ID}} memory (m) can be at most {MaxArgon2MemoryKiB} KiB.";
                if (Number(a.Groups["t"].Value) > MaxArgon2Passes)
                    return $"The {{ARGON2ID}} passes (t) can be at most {MaxArgon2Passes}.";
                if (Number(a.Groups["p"].Value) > MaxArgon2Lanes)
                    return $"The {{ARGON2ID}} parallelism (p) can be at most {MaxArgon2Lanes}.";
                return null;
            case DovecotPassword.Sha512CryptScheme:
                var r = Sha512Rounds().Match(data);
                return r.Success && Number(r.Groups[1].Value) > MaxSha512CryptRounds
                    ? $"The {{SHA512-CRYPT}} rounds can be at most {MaxSha512CryptRounds}."
                    : null;
            case DovecotPassword.BlowfishCryptScheme:
                var b = BlowfishCost().Match(data);
                return b.Success && Number(b.Groups[1].Value) > MaxBlowfishCost
                    ? $"The {{BLF-CRYPT}} cost can be at most {MaxBlowfishCost}."
                    : null;
            default:
                return null;
        }
    }

    public static bool IsWithinLimits(string hash) => Exceeded(hash) is null;

    // Digits beyond what fits are "too many" in any case.
    private static long Number(string digits) =>
        long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : long.MaxValue;

    [GeneratedRegex(@"^\$argon2id\$v=\d+\$(?=[^$]*\bm=(?<m>\d+))(?=[^$]*\bt=(?<t>\d+))(?=[^$]*\bp=(?<p>\d+))")]
    private static partial Regex Argon2Parameters();

    [GeneratedRegex(@"^\$6\$rounds=(\d+)\$")]
    private static partial Regex Sha512Rounds();

    [GeneratedRegex(@"^\$2[abxy]\$(\d+)\$")]
    private static partial Regex BlowfishCost();
}
