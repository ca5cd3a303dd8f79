namespace HostingPanel.Data.Model;

/// <summary>An address made of a dot-atom local part and a canonical domain name.</summary>
public sealed record EmailAddress(LocalPart LocalPart, DomainName Domain)
{
    public string Value => $"{LocalPart.Value}@{Domain.Value}";

    public override string ToString() => Value;

    public static bool TryParse(string? input, out EmailAddress? address, out string error)
    {
        address = null;
        var text = (input ?? "").Trim();
        var at = text.LastIndexOf('@');
        if (at <= 0 || at == text.Length - 1) { error = "Enter an address like name@example.com."; return false; }
        // The parts trim themselves, so spaces around the @ must be refused here, as the engine does.
        if (text.Any(char.IsWhiteSpace)) { error = "An address cannot contain spaces."; return false; }
        if (!LocalPart.TryParse(text[..at], out var lp, out error)) return false;
        if (!DomainName.TryParse(text[(at + 1)..], out var domain, out error)) return false;
        address = new EmailAddress(lp!, domain!);
        return true;
    }

    public static EmailAddress Parse(string input) =>
        TryParse(input, out var a, out var error) ? a! : throw new FormatException(error);
}
