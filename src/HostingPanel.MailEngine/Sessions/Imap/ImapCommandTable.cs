using System.Collections.Frozen;
using HostingPanel.MailEngine.Protocol.Imap.Commands;
using HostingPanel.MailEngine.Sessions.Imap.Handlers;

namespace HostingPanel.MailEngine.Sessions.Imap;

/// <summary>A command's handler and the states it is allowed in.</summary>
public sealed record ImapCommandEntry(ImapStates AllowedIn, Func<ImapSession, ImapCommand, CancellationToken, ValueTask> Handler);

/// <summary>
/// The state machine as data: (command → states where it is valid, handler). RFC 9051 section 6
/// groups commands by state: any state, not authenticated, authenticated, selected.
/// </summary>
public static class ImapCommandTable
{
    private static readonly FrozenDictionary<string, ImapCommandEntry> Entries = new Dictionary<string, ImapCommandEntry>
    {
        ["CAPABILITY"] = new(ImapStates.Any, CapabilityHandler.HandleAsync),
        ["NOOP"] = new(ImapStates.Any, NoopHandler.HandleAsync),
        ["LOGOUT"] = new(ImapStates.Any, LogoutHandler.HandleAsync),
        ["ID"] = new(ImapStates.Any, IdHandler.HandleAsync),
        ["STARTTLS"] = new(ImapStates.NotAuthenticated, StartTlsHandler.HandleAsync),
        ["LOGIN"] = new(ImapStates.NotAuthenticated, LoginHandler.HandleAsync),
        ["AUTHENTICATE"] = new(ImapStates.NotAuthenticated, AuthenticateHandler.HandleAsync),
        ["ENABLE"] = new(ImapStates.Authenticated, EnableHandler.HandleAsync), // RFC 5161 section 3.1
        ["SELECT"] = new(ImapStates.AuthenticatedOrSelected, SelectHandler.HandleAsync),
        ["EXAMINE"] = new(ImapStates.AuthenticatedOrSelected, SelectHandler.HandleAsync),
        ["CREATE"] = new(ImapStates.AuthenticatedOrSelected, CreateHandler.HandleAsync),
        ["DELETE"] = new(ImapStates.AuthenticatedOrSelected, DeleteHandler.HandleAsync),
        ["RENAME"] = new(ImapStates.AuthenticatedOrSelected, RenameHandler.HandleAsync),
        ["SUBSCRIBE"] = new(ImapStates.AuthenticatedOrSelected, SubscribeHandler.HandleAsync),
        ["UNSUBSCRIBE"] = new(ImapStates.AuthenticatedOrSelected, SubscribeHandler.HandleAsync),
        ["LIST"] = new(ImapStates.AuthenticatedOrSelected, ListHandler.HandleAsync),
        ["LSUB"] = new(ImapStates.AuthenticatedOrSelected, ListHandler.HandleAsync),
        ["NAMESPACE"] = new(ImapStates.AuthenticatedOrSelected, NamespaceHandler.HandleAsync),
        ["STATUS"] = new(ImapStates.AuthenticatedOrSelected, StatusHandler.HandleAsync),
        ["APPEND"] = new(ImapStates.AuthenticatedOrSelected, AppendHandler.HandleAsync),
        ["IDLE"] = new(ImapStates.AuthenticatedOrSelected, IdleHandler.HandleAsync),
        ["GETQUOTA"] = new(ImapStates.AuthenticatedOrSelected, QuotaHandler.HandleAsync),
        ["GETQUOTAROOT"] = new(ImapStates.AuthenticatedOrSelected, QuotaHandler.HandleAsync),
        ["SETQUOTA"] = new(ImapStates.AuthenticatedOrSelected, QuotaHandler.HandleAsync),
        ["NOTIFY"] = new(ImapStates.AuthenticatedOrSelected, NotifyHandler.HandleAsync), // RFC 5465 section 3
        ["CHECK"] = new(ImapStates.Selected, NoopHandler.HandleAsync),
        ["CLOSE"] = new(ImapStates.Selected, CloseHandler.HandleAsync),
        ["UNSELECT"] = new(ImapStates.Selected, CloseHandler.HandleAsync),
        ["EXPUNGE"] = new(ImapStates.Selected, ExpungeHandler.HandleAsync),
        ["SEARCH"] = new(ImapStates.Selected, SearchHandler.HandleAsync),
        ["SORT"] = new(ImapStates.Selected, SortHandler.HandleAsync),
        ["THREAD"] = new(ImapStates.Selected, ThreadHandler.HandleAsync),
        ["FETCH"] = new(ImapStates.Selected, FetchHandler.HandleAsync),
        ["STORE"] = new(ImapStates.Selected, StoreHandler.HandleAsync),
        ["COPY"] = new(ImapStates.Selected, CopyHandler.HandleAsync),
        ["MOVE"] = new(ImapStates.Selected, CopyHandler.HandleAsync),
        ["CANCELUPDATE"] = new(ImapStates.Selected, CancelUpdateHandler.HandleAsync), // RFC 5267 section 4.3
    }.ToFrozenDictionary(StringComparer.Ordinal);

    public static bool TryGet(string name, out ImapCommandEntry entry) => Entries.TryGetValue(name, out entry!);

    public static IEnumerable<string> Commands => Entries.Keys;
}
