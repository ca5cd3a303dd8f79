namespace HostingPanel.Data.Model;

/// <summary>
/// The local part of a hosted address: an RFC 5321 dot-atom (atext runs separated by single dots),
/// at most 64 octets, stored in lower case because this product treats local parts case-insensitively.
/// Quoted-string local parts are refused on purpose: few clients handle them and they invite injection.
/// </summary>
public sealed record LocalPart
{
    /// <summary>The local part of a catch-all alias.</summary>
    public const string CatchAll = "*";

    // RFC 5322 atext, without the characters that are legal but that most systems mishandle in mailbox names.
    private const string AtextSpecials = "!#$%&'*+-/=?^_`{|}~";

    public string Value { get; }

    private LocalPart(string value) => Value = value;

    public override string ToString() => Value;

    public static LocalPart Parse(string input) =>
        TryParse(input, out var lp, out var error) ? lp! : throw new FormatException(error);

    public static bool TryParse(string? input, out LocalPart? localPart, out string error)
    {
        localPart = null;
        var value = (input ?? "").Trim().ToLowerInvariant();
        if (value.Length == 0) { error = "Enter the part before the @."; return false; }
        if (value.Length > 64) { error = "The part before the @ can have at most 64 characters."; return false; }
        if (value[0] == '.' || value[^1] == '.' || value.Contains("..", StringComparison.Ordinal))
        { error = "Dots cannot start or end the part before the @, or follow each other."; return false; }
        foreach (var c in value)
        {
            var ok = c is >= 'a' and <= 'z' or >= '0' and <= '9' or '.' || AtextSpecials.Contains(c);
            if (!ok) { error = $"The character '{(char.IsControl(c) ? '?' : c)}' is not allowed before the @."; return false; }
        }
        localPart = new LocalPart(value);
        error = "";
        return true;
    }
}
