namespace HostingPanel.MailEngine.Outbound.Backscatter;

/// <summary>
/// How a message that nobody authenticated reached us (the MX port): the client's address, its HELO name and the
/// envelope sender it gave. Kept with a queued forward so that a later failure can still ask whether that sender
/// is real before a delivery status notification goes to it. Null on a queue entry: an authenticated submission.
/// </summary>
public sealed record MessageOrigin(string ClientAddress, string Helo, string MailFrom);
