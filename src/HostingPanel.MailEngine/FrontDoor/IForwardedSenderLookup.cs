using HostingPanel.MailEngine.Outbound.Srs;

namespace HostingPanel.MailEngine.FrontDoor;

/// <summary>
/// Forwarded mail leaves with an SRS sender (<c>SRS0=hash=day=origin.example=someone@us</c>); staff asking "whose mail
/// is this" want the sender it stands for, which only this installation's own SRS secret can vouch for.
/// </summary>
public interface IForwardedSenderLookup
{
    /// <summary>The original sender an SRS address of ours stands for; null for any other address or a forged one.</summary>
    string? OriginalSender(string sender);
}

internal sealed class SrsForwardedSenderLookup(SrsRewriter srs) : IForwardedSenderLookup
{
    public string? OriginalSender(string sender) =>
        SrsAddress.IsSrs(sender) && srs.Reverse(sender) is { Status: SrsReverseStatus.Ok, Address: { } original } ? original : null;
}

/// <summary>No engine, so no SRS secret here: no address is vouched for.</summary>
internal sealed class AbsentForwardedSenderLookup : IForwardedSenderLookup
{
    public string? OriginalSender(string sender) => null;
}
