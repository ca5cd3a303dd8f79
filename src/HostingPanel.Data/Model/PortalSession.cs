namespace HostingPanel.Data.Model;

/// <summary>
/// One signed-in browser of a portal user: listed on the user's security page, where each can be signed out.
/// The cookie carries the id; a session whose row is ended is refused at its next request.
/// </summary>
public class PortalSession
{
    public const int MaxUserAgentLength = 300;

    private PortalSession() { Id = ""; UserId = ""; }

    public PortalSession(string id, string userId, DateTimeOffset at, string? remoteAddress, string? userAgent)
    {
        Id = id;
        UserId = userId;
        CreatedAt = LastSeenAt = at;
        RemoteAddress = remoteAddress;
        UserAgent = userAgent is { Length: > MaxUserAgentLength } ? userAgent[..MaxUserAgentLength] : userAgent;
    }

    public string Id { get; private set; }
    public string UserId { get; private set; }
    public DateTimeOffset CreatedAt { get; private set; }
    public DateTimeOffset LastSeenAt { get; private set; }
    public string? RemoteAddress { get; private set; }
    public string? UserAgent { get; private set; }
    public DateTimeOffset? EndedAt { get; private set; }

    public bool IsOpen => EndedAt is null;
    public void Touch(DateTimeOffset at) => LastSeenAt = at;
    public void End(DateTimeOffset at) => EndedAt ??= at;
}
