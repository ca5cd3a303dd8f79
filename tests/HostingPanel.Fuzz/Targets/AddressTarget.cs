using System.Text;
using HostingPanel.Data.Model;
using HostingPanel.MailEngine.Directory;

namespace HostingPanel.Fuzz.Targets;

/// <summary>
/// The panel's address value objects: parse never throws; what parses holds no control character
/// and parses again to itself (so a stored value reads back the same); the engine's normalisation
/// accepts what the panel accepts.
/// </summary>
internal static class AddressTarget
{
    public static void Run(ReadOnlySpan<byte> input)
    {
        var text = Encoding.UTF8.GetString(input);
        if (EmailAddress.TryParse(text, out var address, out _))
        {
            var value = address!.Value;
            FuzzTargets.Check(!value.Any(c => char.IsControl(c) || char.IsWhiteSpace(c)), "EmailAddress kept a control or space character");
            FuzzTargets.Check(EmailAddress.TryParse(value, out var again, out _) && again!.Value == value, "EmailAddress does not re-parse to itself: " + value);
            FuzzTargets.Check(address.LocalPart.Value == LocalPart.CatchAll || MailDirectory.NormalizeAddress(value) is not null,
                "the engine refuses an address the panel accepts: " + value);
        }
        if (LocalPart.TryParse(text, out var local, out _))
        {
            FuzzTargets.Check(!local!.Value.Any(char.IsControl), "LocalPart kept a control character");
            FuzzTargets.Check(LocalPart.TryParse(local.Value, out var again, out _) && again!.Value == local.Value, "LocalPart does not re-parse to itself");
        }
        if (DomainName.TryParse(text, out var domain, out _))
        {
            FuzzTargets.Check(domain!.Value.All(c => c is >= '!' and <= '~'), "DomainName is not ASCII: " + domain.Value);
            FuzzTargets.Check(DomainName.TryParse(domain.Value, out var again, out _) && again!.Value == domain.Value, "DomainName does not re-parse to itself");
            domain.ToUnicode();
        }
    }
}
