using HostingPanel.MailEngine.Protocol.Pop3;
using HostingPanel.MailEngine.Sessions.Pop3.Handlers;

namespace HostingPanel.MailEngine.Sessions.Pop3;

/// <summary>The states a POP3 command is valid in (RFC 1939 sections 4-6).</summary>
[Flags]
internal enum Pop3States
{
    None = 0,
    Authorization = 1,
    Transaction = 2,
    Any = Authorization | Transaction,
}

/// <summary>Handles one POP3 command; the replies go through the session.</summary>
internal delegate ValueTask<Pop3Outcome> Pop3Handler(Pop3Session session, Pop3Command command, CancellationToken ct);

/// <summary>
/// The state machine as data: (command → states where it is valid, handler). RFC 1939 sections 4-6,
/// RFC 2449 (CAPA), RFC 2595 (STLS), RFC 5034 (AUTH).
/// </summary>
internal static class Pop3CommandTable
{
    private readonly record struct Entry(Pop3States AllowedIn, Pop3Handler Handler);

    // Indexed by verb: the lookup runs for every command of every session.
    private static readonly Entry[] Entries = Build(new Dictionary<Pop3Verb, Entry>
    {
        [Pop3Verb.Capa] = new(Pop3States.Any, CapaHandler.HandleAsync),
        [Pop3Verb.Quit] = new(Pop3States.Any, QuitHandler.HandleAsync),
        [Pop3Verb.User] = new(Pop3States.Authorization, UserHandler.HandleAsync),
        [Pop3Verb.Pass] = new(Pop3States.Authorization, PassHandler.HandleAsync),
        [Pop3Verb.Auth] = new(Pop3States.Authorization, AuthHandler.HandleAsync),
        [Pop3Verb.Stls] = new(Pop3States.Authorization, StlsHandler.HandleAsync),
        [Pop3Verb.Stat] = new(Pop3States.Transaction, StatHandler.HandleAsync),
        [Pop3Verb.List] = new(Pop3States.Transaction, ListHandler.HandleAsync),
        [Pop3Verb.Uidl] = new(Pop3States.Transaction, UidlHandler.HandleAsync),
        [Pop3Verb.Retr] = new(Pop3States.Transaction, RetrHandler.HandleAsync),
        [Pop3Verb.Top] = new(Pop3States.Transaction, RetrHandler.HandleAsync),
        [Pop3Verb.Dele] = new(Pop3States.Transaction, DeleHandler.HandleAsync),
        [Pop3Verb.Noop] = new(Pop3States.Transaction, NoopHandler.HandleAsync),
        [Pop3Verb.Rset] = new(Pop3States.Transaction, RsetHandler.HandleAsync),
    });

    /// <summary>The handler of <paramref name="verb"/> if it is valid in <paramref name="state"/>.</summary>
    public static bool TryGet(Pop3State state, Pop3Verb verb, out Pop3Handler handler)
    {
        var entry = Entries[(int)verb];
        handler = entry.Handler;
        return (entry.AllowedIn & StatesOf(state)) != 0;
    }

    private static Pop3States StatesOf(Pop3State state) => state switch
    {
        Pop3AuthorizationState => Pop3States.Authorization,
        Pop3TransactionState => Pop3States.Transaction,
        _ => Pop3States.None,
    };

    private static Entry[] Build(Dictionary<Pop3Verb, Entry> entries)
    {
        var table = new Entry[Enum.GetValues<Pop3Verb>().Length];
        foreach (var verb in Enum.GetValues<Pop3Verb>())
            table[(int)verb] = entries.TryGetValue(verb, out var entry)
                ? entry
                : throw new InvalidOperationException($"POP3 {verb} has no handler");
        return table;
    }
}
