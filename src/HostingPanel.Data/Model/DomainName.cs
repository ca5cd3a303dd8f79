using System.Globalization;

namespace HostingPanel.Data.Model;

/// <summary>
/// A DNS domain name in its canonical stored form: lower case, IDN converted to A-labels (RFC 5891),
/// every label an RFC 1035 LDH label of 1..63 octets, the whole at most 253 octets, at least two labels.
/// </summary>
public sealed record DomainName
{
    private static readonly IdnMapping Idn = new() { UseStd3AsciiRules = true, AllowUnassigned = false };

    public string Value { get; }

    private DomainName(string value) => Value = value;

    public override string ToString() => Value;

    public static DomainName Parse(string input) =>
        TryParse(input, out var name, out var error) ? name! : throw new FormatException(error);

    public static bool TryParse(string? input, out DomainName? name, out string error)
    {
        name = null;
        // One trailing dot is the DNS root ("example.com."); more than one is not a name.
        var trimmed = (input ?? "").Trim();
        if (trimmed.EndsWith('.'))
            trimmed = trimmed[..^1];
        if (trimmed.Length == 0) { error = "Enter a domain name."; return false; }
        // Invisible format characters (soft hyphen, zero-width joiners) would be mapped away by IDNA, so
        // one name could be typed two ways; refused, as the engine's address normaliser refuses them.
        if (trimmed.Any(c => char.IsControl(c) || char.IsWhiteSpace(c) || CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.Format))
        { error = "A domain name cannot contain spaces or control characters."; return false; }

        // ASCII names are checked label by label below, so the message can say exactly what is wrong;
        // others go through IDNA first (UTS #46 / RFC 5891) to get their A-labels.
        string ascii;
        try { ascii = trimmed.All(char.IsAscii) ? trimmed.ToLowerInvariant() : Idn.GetAscii(trimmed).ToLowerInvariant(); }
        catch (ArgumentException) { error = "This is not a valid domain name."; return false; }

        if (ascii.Length > 253) { error = "A domain name can have at most 253 characters."; return false; }
        var labels = ascii.Split('.');
        if (labels.Length < 2) { error = "A domain name needs at least two labels, like example.com."; return false; }
        foreach (var label in labels)
        {
            if (label.Length is 0 or > 63) { error = "Each part of a domain name must have 1 to 63 characters."; return false; }
            if (label[0] == '-' || label[^1] == '-') { error = "A part of a domain name cannot start or end with a hyphen."; return false; }
            if (!label.All(c => c is >= 'a' and <= 'z' or >= '0' and <= '9' or '-')) { error = "A domain name may contain only letters, digits and hyphens."; return false; }
        }
        if (labels[^1].All(char.IsAsciiDigit)) { error = "The last part of a domain name cannot be all digits."; return false; }
        // An "xn--" label must be Punycode that IDNA gives back unchanged, or the name cannot be shown
        // or compared reliably (two spellings of one name); the engine's address normaliser holds the same rule.
        try
        {
            Idn.GetUnicode(ascii); // also refuses reserved "ab--" labels that are not Punycode
            if (labels.Any(l => l.StartsWith("xn--", StringComparison.Ordinal) && Idn.GetAscii(Idn.GetUnicode(l)) != l))
            { error = "This is not a valid domain name."; return false; }
        }
        catch (ArgumentException) { error = "This is not a valid domain name."; return false; }

        name = new DomainName(ascii);
        error = "";
        return true;
    }

    /// <summary>The name as people read it (U-labels), for display only.</summary>
    public string ToUnicode() => Idn.GetUnicode(Value);
}
