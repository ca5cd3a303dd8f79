using MimeKit;

namespace HostingPanel.MailEngine.Sieve;

/// <summary>Address parsing for the address/envelope tests, redirect and vacation.</summary>
internal static class SieveAddresses
{
    /// <summary>One mailbox address ("a@b" or "Name &lt;a@b&gt;"), as "local@domain"; null when it is not one.</summary>
    public static string? ParseSingle(string text)
    {
        if (text.Length == 0 || text.Length > 998 || text.Any(char.IsControl))
            return null;
        if (!MailboxAddress.TryParse(text, out var mailbox) || mailbox.Address.IndexOf('@') is <= 0)
            return null;
        var address = mailbox.Address;
        return address.EndsWith('@') ? null : address;
    }

    /// <summary>The part of an address a test compares (RFC 5228 section 2.7.4).</summary>
    public static string? Part(string address, SieveAddressPart part)
    {
        if (part == SieveAddressPart.All)
            return address;
        var at = address.LastIndexOf('@');
        if (at < 0)
            return part == SieveAddressPart.LocalPart ? address : null;
        return part == SieveAddressPart.LocalPart ? address[..at] : address[(at + 1)..];
    }
}
