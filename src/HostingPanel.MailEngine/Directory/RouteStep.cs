using HostingPanel.MailEngine.Storage;

namespace HostingPanel.MailEngine.Directory;

public enum RouteStepKind
{
    /// <summary>A mailbox that stores a copy (and may forward too).</summary>
    Mailbox,
    /// <summary>A mailbox that forwards without keeping a copy.</summary>
    ForwardOnlyMailbox,
    /// <summary>A suspended or removed mailbox: mail to it is refused (550 5.2.1).</summary>
    DisabledMailbox,
    Alias,
    /// <summary>No mailbox or alias of that name; the domain's catch-all (<c>*</c>) took it.</summary>
    CatchAll,
    /// <summary>No mailbox, alias or catch-all: refused (550 5.1.1).</summary>
    Unknown,
    /// <summary>Not a hosted domain: sent on through the outbound queue.</summary>
    External,
}

/// <summary>One address the expansion visited: what it is, where it came from (<paramref name="Via"/>), where it leads.</summary>
public sealed record RouteStep(string Address, int Depth, string? Via, RouteStepKind Kind, IReadOnlyList<string> Destinations, MailboxAccount? Mailbox);
