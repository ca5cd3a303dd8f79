using System.Text.RegularExpressions;

namespace HostingPanel.MailEngine.Auth;

/// <summary>
/// Whether a Dovecot-format password hash may be imported as a mailbox's password: one of the schemes
/// this engine verifies, written out completely. A truncated or mistyped hash is refused here, at the
/// API, rather than stored and found out later as a mailbox nobody can log in to.
/// </summary>
public static partial class DovecotHashFormat
{
    public const int MaxLength = 512;

    /// <summary>The schemes an import may name (as `doveadm pw -s` writes them).</summary>
    public static readonly IReadOnlyList<string> ImportableSchemes =
        [DovecotPassword.Argon2IdScheme, DovecotPassword.Sha512CryptScheme, DovecotPassword.BlowfishCryptScheme];

    /// <summary>A complete hash of an importable scheme; its cost is checked apart (<see cref="DovecotHashCost"/>), to say which limit.</summary>
    public static bool IsImportable(string? hash)
    {
        if (string.IsNullOrEmpty(hash) || hash.Length > MaxLength || !DovecotPassword.IsSupported(hash))
            return false;
        var data = hash[(hash.IndexOf('}') + 1)..];
        return DovecotPassword.SchemeOf(hash) switch
        {
            // IsSupported already parsed the parameters, salt and hash of an Argon2id string.
            DovecotPassword.Argon2IdScheme => true,
            DovecotPassword.Sha512CryptScheme => Sha512CryptShape().IsMatch(data),
            DovecotPassword.BlowfishCryptScheme => BcryptShape().IsMatch(data),
            _ => false,
        };
    }

    /// <summary>"$6$[rounds=N$]salt$hash": salt up to 16 characters, 86 characters of hash (crypt's base64).</summary>
    [GeneratedRegex(@"^\$6\$(rounds=[0-9]{1,9}\$)?[^$:\s]{0,16}\$[./0-9A-Za-z]{86}$")]
    private static partial Regex Sha512CryptShape();

    /// <summary>"$2y$NN$" then 22 characters of salt and 31 of hash (bcrypt's base64); $2a$ and $2b$ are the same algorithm.</summary>
    [GeneratedRegex(@"^\$2[abxy]\$(0[4-9]|[12][0-9]|3[01])\$[./0-9A-Za-z]{53}$")]
    private static partial Regex BcryptShape();
}
