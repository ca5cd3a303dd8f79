namespace HostingPanel.MailEngine.Sessions.Imap;

/// <summary>The four states of RFC 9051 section 3, as flags so the command table can list several.</summary>
[Flags]
public enum ImapStates
{
    NotAuthenticated = 1,
    Authenticated = 2,
    Selected = 4,
    Logout = 8,
    Any = NotAuthenticated | Authenticated | Selected,
    AuthenticatedOrSelected = Authenticated | Selected,
}

/// <summary>A session state carrying only its own data.</summary>
public abstract record ImapSessionState(ImapStates Kind);

public sealed record ImapNotAuthenticatedState() : ImapSessionState(ImapStates.NotAuthenticated);

public sealed record ImapAuthenticatedState(IImapAccount Account) : ImapSessionState(ImapStates.Authenticated);

public sealed record ImapSelectedState(IImapAccount Account, ImapSelectedMailbox Mailbox) : ImapSessionState(ImapStates.Selected);

public sealed record ImapLogoutState() : ImapSessionState(ImapStates.Logout);
