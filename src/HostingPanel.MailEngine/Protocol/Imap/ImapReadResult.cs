namespace HostingPanel.MailEngine.Protocol.Imap;

public enum ImapReadResultKind
{
    /// <summary>A whole command is framed: parse <see cref="ImapReadResult.Frame"/>.</summary>
    Command,

    /// <summary>
    /// A synchronizing literal was announced and accepted: the session writes "+ ..." and keeps reading.
    /// </summary>
    ContinuationNeeded,

    /// <summary>
    /// The command broke a limit; its bytes have been consumed (or the client was told not to send
    /// them). The session answers with <see cref="ImapReadResult.Error"/> and goes on with the next command.
    /// </summary>
    Rejected,

    /// <summary>The client keeps sending what cannot be read: answer BYE and close.</summary>
    Fatal,
}

/// <summary>Why a command was refused while framing, and the answer it gets.</summary>
public sealed record ImapFramingError(string Tag, ImapStatus Status, string? ResponseCode, string Text);

/// <summary>What <see cref="ImapCommandReader.TryRead"/> produced.</summary>
public readonly record struct ImapReadResult(ImapReadResultKind Kind, ImapCommandFrame? Frame, ImapFramingError? Error, long LiteralSize)
{
    public static ImapReadResult Command(ImapCommandFrame frame) => new(ImapReadResultKind.Command, frame, null, 0);

    public static ImapReadResult Continuation(long size) => new(ImapReadResultKind.ContinuationNeeded, null, null, size);

    public static ImapReadResult Reject(ImapFramingError error) => new(ImapReadResultKind.Rejected, null, error, 0);

    public static ImapReadResult Fail(ImapFramingError error) => new(ImapReadResultKind.Fatal, null, error, 0);
}

/// <summary>Status of a tagged or untagged status response.</summary>
public enum ImapStatus
{
    Ok,
    No,
    Bad,
    Bye,
    PreAuth,
}
