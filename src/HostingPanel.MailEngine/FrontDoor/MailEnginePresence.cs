namespace HostingPanel.MailEngine.FrontDoor;

/// <summary>
/// Whether this process runs the mail engine (its <c>Roles</c> include Mail). Pages and API routes that only make sense
/// beside the engine (the outbound queue, sending holds) say "not on this node" when it is false.
/// </summary>
public sealed record MailEnginePresence(bool RunsHere);
