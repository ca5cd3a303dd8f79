using Microsoft.Extensions.Logging;
using HostingPanel.MailEngine.Protocol.Imap;
using HostingPanel.MailEngine.Protocol.Imap.Commands;

namespace HostingPanel.MailEngine.Sessions.Imap;

/// <summary>What the session needs from its connection besides the response buffer.</summary>
public interface IImapChannel
{
    /// <summary>Sends what the session has written so far.</summary>
    ValueTask FlushAsync(CancellationToken cancellationToken);

    /// <summary>Reads one bare line (an AUTHENTICATE response, IDLE's DONE); null when the client is gone.</summary>
    ValueTask<string?> ReadLineAsync(CancellationToken cancellationToken);
}

/// <summary>
/// One IMAP connection's state and its command dispatch. It gets parsed commands and writes
/// responses into <see cref="Output"/>; the connection owns the socket, TLS and framing.
/// </summary>
public sealed class ImapSession
{
    private readonly ImapOutputBuffer _output = new();
    private int _badCommands;

    public ImapSession(ImapSessionOptions options, IImapAuthenticator authenticator, IImapChannel channel, ImapClientInfo client)
    {
        Options = options;
        Authenticator = authenticator;
        Channel = channel;
        Client = client;
        Writer = new ImapResponseWriter(_output);
    }

    public ImapSessionOptions Options { get; }

    public IImapAuthenticator Authenticator { get; }

    public IImapChannel Channel { get; }

    public ImapClientInfo Client { get; internal set; }

    public ImapSessionState State { get; internal set; } = new ImapNotAuthenticatedState();

    public ImapResponseWriter Writer { get; }

    /// <summary>Bytes written and not yet sent; the connection sends and clears them.</summary>
    public ImapOutputBuffer Output => _output;

    /// <summary>Handlers that write a lot (FETCH of many bodies) flush when this much is pending.</summary>
    public const int FlushThreshold = 256 * 1024;

    /// <summary>Sends pending output when it has grown past <see cref="FlushThreshold"/>.</summary>
    public ValueTask FlushIfLargeAsync(CancellationToken cancellationToken) =>
        _output.WrittenCount >= FlushThreshold ? Channel.FlushAsync(cancellationToken) : ValueTask.CompletedTask;

    /// <summary>UTF8=ACCEPT (RFC 6855) or IMAP4rev2 is enabled.</summary>
    public bool Utf8Enabled { get; internal set; }

    public bool Rev2Enabled { get; internal set; }

    public bool CondStoreEnabled { get; internal set; }

    public bool QresyncEnabled { get; internal set; }

    /// <summary>
    /// A CONDSTORE enabling command (RFC 7162 3.1: FETCH or SEARCH with MODSEQ, STORE UNCHANGEDSINCE)
    /// turns CONDSTORE on; the first one while a mailbox is selected also tells its HIGHESTMODSEQ.
    /// </summary>
    internal void EnableCondStore()
    {
        if (CondStoreEnabled)
        {
            return;
        }

        CondStoreEnabled = true;
        if (Selected is { } mailbox)
        {
            Writer.UntaggedStatus(ImapStatus.Ok, "Highest.", ImapResponseCode.HighestModSeq(mailbox.HighestModSeq));
        }
    }

    /// <summary>What NOTIFY SET asked to be told unasked (RFC 5465); null without NOTIFY or after NOTIFY NONE.</summary>
    internal ImapNotifications? Notifications { get; private set; }

    /// <summary>Replaces the NOTIFY settings, ending the watch of the old ones.</summary>
    internal void SetNotifications(ImapNotifications? notifications)
    {
        Notifications?.Dispose();
        Notifications = notifications;
    }

    /// <summary>
    /// NOTIFY's news, written between commands (and during IDLE) when something in the account changed; the
    /// connection sends them.
    /// </summary>
    internal ValueTask ReportNotificationsAsync(CancellationToken cancellationToken) =>
        Notifications is { } notifications ? notifications.ReportAsync(this, cancellationToken) : ValueTask.CompletedTask;

    /// <summary>Set by STARTTLS: the connection must switch to TLS before reading on.</summary>
    public bool StartTlsRequested { get; internal set; }

    public ImapParserOptions ParserOptions => new(Utf8Enabled) { Limits = Options.Limits };

    public bool IsSecure => Client.IsSecure;

    public bool PlaintextAuthAllowed => IsSecure || Options.AllowPlaintextAuth;

    public IReadOnlyList<string> Capabilities
    {
        get
        {
            var list = new List<string> { "IMAP4rev1", "IMAP4rev2", "LITERAL+", "SASL-IR", "ID", "ENABLE" };
            if (State is ImapNotAuthenticatedState)
            {
                if (Options.StartTlsAvailable && !IsSecure)
                {
                    list.Add("STARTTLS");
                }

                list.Add(PlaintextAuthAllowed ? "AUTH=PLAIN" : "LOGINDISABLED");
                return list;
            }

            list.AddRange([
                "IDLE", "NAMESPACE", "UIDPLUS", "MOVE", "UNSELECT", "CHILDREN", "SPECIAL-USE", "CREATE-SPECIAL-USE",
                "LIST-EXTENDED", "LIST-STATUS", "QUOTA", "QUOTA=RES-STORAGE", "QUOTA=RES-MESSAGE", "CONDSTORE", "QRESYNC",
                "ESEARCH", "SEARCHRES", "CONTEXT=SEARCH", "NOTIFY", "WITHIN", "SORT", "SORT=DISPLAY", "ESORT", "THREAD=ORDEREDSUBJECT", "THREAD=REFERENCES",
                "BINARY", "MULTIAPPEND", "CATENATE", "UTF8=ACCEPT", "STATUS=SIZE",
                "APPENDLIMIT=" + Options.Limits.MaxLiteralSize.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ]);
            return list;
        }
    }

    public IImapAccount? Account => State switch
    {
        ImapAuthenticatedState a => a.Account,
        ImapSelectedState s => s.Account,
        _ => null,
    };

    public ImapSelectedMailbox? Selected => (State as ImapSelectedState)?.Mailbox;

    public bool IsLoggedOut => State is ImapLogoutState;

    /// <summary>The greeting: "* OK [CAPABILITY ...] ready".</summary>
    public void Greet() =>
        Writer.UntaggedStatus(ImapStatus.Ok, Options.Hostname + " IMAP ready.", ImapResponseCode.Capability(Capabilities));

    /// <summary>Answers a command the reader refused while framing.</summary>
    public void Refuse(ImapFramingError error, bool fatal = false)
    {
        if (error.Status == ImapStatus.Bye)
        {
            Writer.UntaggedStatus(ImapStatus.Bye, error.Text, error.ResponseCode);
            State = new ImapLogoutState();
            return;
        }

        if (fatal)
        {
            // The command gets its tagged answer, then the connection ends (the input cannot be framed).
            Writer.Status(error.Tag, error.Status, error.ResponseCode, error.Text);
            Writer.UntaggedStatus(ImapStatus.Bye, "Closing: input cannot be read safely.");
            State = new ImapLogoutState();
            return;
        }

        Writer.Status(error.Tag, error.Status, error.ResponseCode, error.Text);
        CountBad();
    }

    /// <summary>Parses and runs one framed command.</summary>
    public async ValueTask ExecuteAsync(ImapCommandFrame frame, CancellationToken cancellationToken)
    {
        var parsed = ImapCommandParser.Parse(frame, ParserOptions);
        if (parsed.Command is null)
        {
            Writer.Status(parsed.Tag, parsed.ErrorStatus, parsed.ErrorCode, parsed.Error ?? "Syntax error.");
            if (parsed.ErrorStatus == ImapStatus.Bad)
            {
                CountBad();
            }

            return;
        }

        await ExecuteAsync(parsed.Command, cancellationToken);
    }

    public async ValueTask ExecuteAsync(ImapCommand command, CancellationToken cancellationToken)
    {
        if (!ImapCommandTable.TryGet(command.Name, out var entry))
        {
            Writer.Tagged(command.Tag, ImapStatus.Bad, "Unknown command.");
            CountBad();
            return;
        }

        if ((entry.AllowedIn & State.Kind) == 0)
        {
            Writer.Tagged(command.Tag, ImapStatus.Bad, command.Name + " is not allowed " + StateText() + ".");
            CountBad();
            return;
        }

        _badCommands = 0;
        try
        {
            await entry.Handler(this, command, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The client learns only that the server failed (RFC 5530 SERVERBUG); the operator needs the cause.
            Options.Log?.LogError(e, "IMAP {Command} of {User} failed inside the server", command.Name, Account?.UserName ?? "(not logged in)");
            Writer.Tagged(command.Tag, ImapStatus.No, "Internal error.", ImapResponseCode.ServerBug);
        }
    }

    private string StateText() => State.Kind switch
    {
        ImapStates.NotAuthenticated => "before login",
        ImapStates.Authenticated => "without a selected mailbox",
        _ => "now",
    };

    private void CountBad()
    {
        if (++_badCommands >= Options.MaxBadCommands)
        {
            Writer.UntaggedStatus(ImapStatus.Bye, "Too many bad commands.");
            State = new ImapLogoutState();
        }
    }

    /// <summary>Tells the client of changes to the selected folder (after most commands; see <see cref="ImapSelectedMailbox.SyncAsync"/>).</summary>
    /// <remarks>Live searches (RFC 5267 section 4.3) then tell how their results changed, before the tagged reply.</remarks>
    public async ValueTask SyncSelectedAsync(bool allowExpunge, CancellationToken cancellationToken)
    {
        if (Selected is not { } mailbox)
        {
            return;
        }

        var largest = mailbox.LargestUid;
        await mailbox.SyncAsync(Writer, allowExpunge, CondStoreEnabled, QresyncEnabled, cancellationToken);
        if (Notifications is { SelectedFetchItems.Count: > 0 } notifications && mailbox.LargestUid > largest)
        {
            // NOTIFY's MessageNew with fetch attributes (RFC 5465 section 5.2): the new messages follow their EXISTS.
            var fresh = new List<uint>();
            for (var sequence = mailbox.SequenceOf(mailbox.LargestUid); sequence >= 1 && mailbox.BySequence(sequence).Uid > largest; sequence--)
            {
                fresh.Insert(0, sequence);
            }

            await Handlers.FetchHandler.WriteMessagesAsync(this, fresh, notifications.SelectedFetchItems, null, cancellationToken);
        }

        if (!mailbox.SearchUpdates.IsEmpty)
        {
            await mailbox.SearchUpdates.RefreshAsync(this, mailbox, cancellationToken);
        }
    }

    /// <summary>Leaves the selected state (CLOSE, UNSELECT, a new SELECT, LOGOUT).</summary>
    internal async ValueTask DeselectAsync()
    {
        if (State is ImapSelectedState selected)
        {
            State = new ImapAuthenticatedState(selected.Account);
            await selected.Mailbox.Folder.DisposeAsync();
        }
    }

    /// <summary>Decodes and validates a mailbox name from the wire; writes the NO/BAD itself when it is invalid.</summary>
    internal bool TryMailboxName(string tag, string wire, out string name)
    {
        if (ImapMailboxName.TryDecode(wire, Utf8Enabled, out name, out var error))
        {
            return true;
        }

        Writer.Tagged(tag, ImapStatus.No, error ?? "Invalid mailbox name.", ImapResponseCode.Cannot);
        return false;
    }

    /// <summary>The tagged NO for a store refusal, with the response code that names the reason.</summary>
    internal void WriteStoreError(string tag, ImapStoreResult result, string fallback)
    {
        var code = result.Error switch
        {
            ImapStoreError.NonExistent => ImapResponseCode.NonExistent,
            ImapStoreError.AlreadyExists => ImapResponseCode.AlreadyExists,
            ImapStoreError.OverQuota => ImapResponseCode.OverQuota,
            ImapStoreError.HasChildren => ImapResponseCode.HasChildren,
            ImapStoreError.Limit => ImapResponseCode.Limit,
            _ => ImapResponseCode.Cannot,
        };
        Writer.Tagged(tag, ImapStatus.No, result.Text ?? fallback, code);
    }
}
