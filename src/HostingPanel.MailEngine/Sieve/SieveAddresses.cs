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

    /// <summary>The separator between user and detail (RFC 5233 section 4: site-defined; "+" as Pigeonhole's default).</summary>
    public const char DetailSeparator = '+';

    /// <summary>The part of an address a test compares (RFC 5228 section 2.7.4, RFC 5233); null when it has none.</summary>
    public static string? Part(string address, SieveAddressPart part)
    {
        if (part == SieveAddressPart.All)
            return address;
        var at = address.LastIndexOf('@');
        var local = at < 0 ? address : address[..at];
        switch (part)
        {
            case SieveAddressPart.Domain:
                return at < 0 ? null : address[(at + 1)..];
            case SieveAddressPart.LocalPart:
                return local;
            case SieveAddressPart.User:
            {
                var plus = local.IndexOf(DetailSeparator);
                return plus < 0 ? local : local[..plus];
            }
            default:
            {
                // RFC 5233 section 4: without a separator there is no detail, and the test fails even for "".
                var plus = local.IndexOf(DetailSeparator);
                return plus < 0 ? null : local[(plus + 1)..];
            }
        }
    }
}
