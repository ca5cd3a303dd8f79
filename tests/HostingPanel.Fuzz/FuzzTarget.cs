namespace HostingPanel.Fuzz;

/// <summary>One fuzz target: a name (the corpus folder under corpus/), and a body that must never throw.</summary>
/// <remarks>
/// A body checks the parser's own contract besides "no exception": round trips, idempotence, agreement
/// between two functions that must agree. A broken contract throws <see cref="FuzzInvariantException"/>.
/// </remarks>
public sealed record FuzzTarget(string Name, string Description, FuzzBody Run);

public delegate void FuzzBody(ReadOnlySpan<byte> input);

/// <summary>A parser broke a rule it promises (not a crash of the runtime, a wrong answer).</summary>
public sealed class FuzzInvariantException(string message) : Exception(message);

public static class FuzzTargets
{
    public static IReadOnlyList<FuzzTarget> All { get; } =
    [
        new("imap", "IMAP command framing (ImapCommandReader, split at an input-chosen byte) and parsing (ImapCommandParser)", Targets.ImapCommandTarget.Run),
        new("pop3", "POP3 line framing and command parsing (Pop3CommandParser)", Targets.Pop3CommandTarget.Run),
        new("smtp", "SMTP command lines through SmtpServer's parser, and our envelope/data checks (NormalizeAddress, SmtpText, MessageHeaderLimit)", Targets.SmtpCommandTarget.Run),
        new("mutf7", "Modified UTF-7 codec and mailbox-name validation (ImapModifiedUtf7, ImapMailboxName)", Targets.ModifiedUtf7Target.Run),
        new("address", "Address value objects (EmailAddress, LocalPart, DomainName) and the engine's NormalizeAddress", Targets.AddressTarget.Run),
    ];

    public static FuzzTarget? Find(string name) => All.FirstOrDefault(t => t.Name == name);

    internal static void Check(bool condition, string message)
    {
        if (!condition)
            throw new FuzzInvariantException(message);
    }
}
