using System.Security.Cryptography;
using System.Text;
using Konscious.Security.Cryptography;

namespace HostingPanel.MailEngine.Auth;

/// <summary>
/// Password hashes in Dovecot's "{SCHEME}data" format, so that accounts move between this engine and
/// Dovecot unchanged: {ARGON2ID} (libsodium/PHC string, as <c>doveadm pw -s ARGON2ID</c> prints),
/// {SHA512-CRYPT} and {BLF-CRYPT} (also reached through {CRYPT}). Comparisons are constant-time.
/// </summary>
public static class DovecotPassword
{
    public const string Argon2IdScheme = "ARGON2ID";
    public const string Sha512CryptScheme = "SHA512-CRYPT";
    public const string BlowfishCryptScheme = "BLF-CRYPT";
    public const string CryptScheme = "CRYPT";

    // Dovecot's ARGON2ID defaults (libsodium's crypto_pwhash "moderate" opslimit 3, memlimit 64 MiB).
    public const int Argon2MemoryKiB = 65536;
    public const int Argon2Iterations = 3;
    public const int Argon2Parallelism = 1;
    private const int Argon2SaltBytes = 16;
    private const int Argon2HashBytes = 32;
    private const int Argon2Version = 19;


    /// <summary>The scheme name in upper case, or null when the string has no "{SCHEME}" prefix.</summary>
    public static string? SchemeOf(string hash)
    {
        if (!hash.StartsWith('{'))
            return null;
        var end = hash.IndexOf('}');
        return end < 0 ? null : hash[1..end].ToUpperInvariant();
    }

    public static bool IsSupported(string hash) => SchemeOf(hash) switch
    {
        Argon2IdScheme => TryParseArgon2(hash[(Argon2IdScheme.Length + 2)..], out _),
        Sha512CryptScheme => hash[(Sha512CryptScheme.Length + 2)..].StartsWith(Sha512Crypt.Prefix, StringComparison.Ordinal),
        BlowfishCryptScheme => hash[(BlowfishCryptScheme.Length + 2)..].StartsWith("$2", StringComparison.Ordinal),
        CryptScheme => hash[(CryptScheme.Length + 2)..] is var c && (c.StartsWith(Sha512Crypt.Prefix, StringComparison.Ordinal) || c.StartsWith("$2", StringComparison.Ordinal)),
        _ => false,
    };

    public static bool Verify(string password, string hash)
    {
        var scheme = SchemeOf(hash);
        // A hash above the cost limits never runs, however it got into the store.
        if (scheme is null || !DovecotHashCost.IsWithinLimits(hash))
            return false;
        var data = hash[(scheme.Length + 2)..];
        return scheme switch
        {
            Argon2IdScheme => VerifyArgon2(password, data),
            Sha512CryptScheme => Sha512Crypt.Verify(password, data),
            BlowfishCryptScheme => VerifyBlowfish(password, data),
            CryptScheme when data.StartsWith(Sha512Crypt.Prefix, StringComparison.Ordinal) => Sha512Crypt.Verify(password, data),
            CryptScheme when data.StartsWith("$2", StringComparison.Ordinal) => VerifyBlowfish(password, data),
            _ => false,
        };
    }

    public static string HashArgon2Id(string password)
    {
        var salt = RandomNumberGenerator.GetBytes(Argon2SaltBytes);
        var hash = Argon2(password, salt, Argon2MemoryKiB, Argon2Iterations, Argon2Parallelism, Argon2HashBytes);
        return $"{{{Argon2IdScheme}}}$argon2id$v={Argon2Version}$m={Argon2MemoryKiB},t={Argon2Iterations},p={Argon2Parallelism}${B64(salt)}${B64(hash)}";
    }

    public static string HashSha512Crypt(string password, int rounds = Sha512Crypt.DefaultRounds) =>
        $"{{{Sha512CryptScheme}}}{Sha512Crypt.Hash(password, rounds)}";

    public static string HashBlowfishCrypt(string password, int workFactor = 10) =>
        // Dovecot writes the $2y$ variant.
        $"{{{BlowfishCryptScheme}}}{BCrypt.Net.BCrypt.HashPassword(password, workFactor).Replace("$2a$", "$2y$").Replace("$2b$", "$2y$")}";

    private sealed record Argon2Parameters(int MemoryKiB, int Iterations, int Parallelism, byte[] Salt, byte[] Hash);

    /// <summary>Parses "$argon2id$v=19$m=65536,t=3,p=1$salt$hash" (base64 without padding, libsodium's form).</summary>
    private static bool TryParseArgon2(string data, out Argon2Parameters parameters)
    {
        parameters = null!;
        var parts = data.Split('$');
        // "", "argon2id", "v=19", "m=..,t=..,p=..", salt, hash
        if (parts.Length != 6 || parts[0].Length != 0 || parts[1] != "argon2id" || parts[2] != $"v={Argon2Version}")
            return false;
        int m = 0, t = 0, p = 0;
        foreach (var kv in parts[3].Split(','))
        {
            var eq = kv.IndexOf('=');
            if (eq < 0 || !int.TryParse(kv.AsSpan(eq + 1), out var value) || value <= 0)
                return false;
            switch (kv[..eq])
            {
                case "m": m = value; break;
                case "t": t = value; break;
                case "p": p = value; break;
                default: return false;
            }
        }
        // Upper limits are DovecotHashCost's, checked before any verification (and at import, with the limit named).
        if (m is 0 || t is 0 || p is 0)
            return false;
        var salt = FromB64(parts[4]);
        var hash = FromB64(parts[5]);
        if (salt is null || hash is null || salt.Length < 8 || hash.Length < 16)
            return false;
        parameters = new Argon2Parameters(m, t, p, salt, hash);
        return true;
    }

    private static bool VerifyArgon2(string password, string data)
    {
        if (!TryParseArgon2(data, out var a))
            return false;
        var computed = Argon2(password, a.Salt, a.MemoryKiB, a.Iterations, a.Parallelism, a.Hash.Length);
        return CryptographicOperations.FixedTimeEquals(computed, a.Hash);
    }

    private static byte[] Argon2(string password, byte[] salt, int memoryKiB, int iterations, int parallelism, int length)
    {
        // libsodium (through NSec) is about three times faster than managed code, and it is what Dovecot
        // itself uses; it takes exactly Dovecot's shape (16-byte salt, one lane). Anything else, or a
        // machine without the native library, goes through the managed implementation.
        if (salt.Length == NativeSaltBytes && parallelism == 1 && length >= 16 && _nativeUsable)
        {
            try
            {
                return NativeArgon2(password, salt, memoryKiB, iterations, length);
            }
            catch (Exception e) when (e is DllNotFoundException or TypeInitializationException or PlatformNotSupportedException or EntryPointNotFoundException)
            {
                _nativeUsable = false;
            }
        }
        return ManagedArgon2(password, salt, memoryKiB, iterations, parallelism, length);
    }

    private const int NativeSaltBytes = 16;
    private static volatile bool _nativeUsable = true;

    internal static byte[] NativeArgon2(string password, byte[] salt, int memoryKiB, int iterations, int length)
    {
        var algorithm = NSec.Cryptography.PasswordBasedKeyDerivationAlgorithm.Argon2id(
            new NSec.Cryptography.Argon2Parameters { DegreeOfParallelism = 1, MemorySize = memoryKiB, NumberOfPasses = iterations });
        return algorithm.DeriveBytes(Encoding.UTF8.GetBytes(password), salt, length);
    }

    internal static byte[] ManagedArgon2(string password, byte[] salt, int memoryKiB, int iterations, int parallelism, int length)
    {
        using var argon = new Argon2id(Encoding.UTF8.GetBytes(password))
        {
            Salt = salt,
            MemorySize = memoryKiB,
            Iterations = iterations,
            DegreeOfParallelism = parallelism,
        };
        return argon.GetBytes(length);
    }

    private static bool VerifyBlowfish(string password, string data)
    {
        try
        {
            // BCrypt.Net compares in constant time and understands $2a$, $2b$, $2x$ and $2y$.
            return BCrypt.Net.BCrypt.Verify(password, data);
        }
        catch (Exception e) when (e is BCrypt.Net.SaltParseException or ArgumentException or FormatException)
        {
            return false;
        }
    }

    private static string B64(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=');

    private static byte[]? FromB64(string text)
    {
        var padded = text.PadRight(text.Length + (4 - text.Length % 4) % 4, '=');
        try { return Convert.FromBase64String(padded); }
        catch (FormatException) { return null; }
    }
}

/// <summary>What the panel uses to hash a new mailbox password: Dovecot's {ARGON2ID} with its defaults.</summary>
public sealed class PasswordHasher
{
    public string Hash(string password) => DovecotPassword.HashArgon2Id(password);

    public bool Verify(string password, string hash) => DovecotPassword.Verify(password, hash);

    /// <summary>Whether a hash can be imported (a scheme this engine verifies).</summary>
    public bool IsSupported(string hash) => DovecotPassword.IsSupported(hash);
}
