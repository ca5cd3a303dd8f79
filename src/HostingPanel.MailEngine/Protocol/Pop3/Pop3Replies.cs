using System.Text;

namespace HostingPanel.MailEngine.Protocol.Pop3;

/// <summary>POP3 status lines. Response codes: RFC 2449 section 8 (IN-USE, LOGIN-DELAY), RFC 3206 (SYS/TEMP, SYS/PERM, AUTH).</summary>
public static class Pop3Replies
{
    public const string Greeting = "+OK HostingPanel POP3 server ready";
    public const string CapaFollows = "+OK Capability list follows";
    public const string BeginTls = "+OK Begin TLS negotiation";
    public const string UserAccepted = "+OK send PASS";
    public const string LoggedIn = "+OK Logged in";
    public const string Bye = "+OK Bye";
    public const string Noop = "+OK";
    public const string ScanListFollows = "+OK scan listing follows";
    public const string UidlFollows = "+OK unique-id listing follows";
    public const string TopFollows = "+OK top of message follows";
    public const string SaslContinue = "+ ";

    public const string ErrAuthFailed = "-ERR [AUTH] Authentication failed";
    public const string ErrThrottled = "-ERR [AUTH] Too many failed logins, try again later";
    public const string ErrDisabled = "-ERR [AUTH] Mailbox is disabled";
    public const string ErrPop3Disabled = "-ERR [AUTH] POP3 is disabled for this mailbox";
    public const string ErrPlaintextDisallowed = "-ERR [AUTH] Plaintext authentication disallowed on non-secure connections, use STLS";
    public const string ErrInUse = "-ERR [IN-USE] Mailbox is locked by another POP3 session";
    public const string ErrNoUser = "-ERR USER first";
    public const string ErrNoSuchMessage = "-ERR no such message";
    public const string ErrMessageDeleted = "-ERR message already deleted";
    public const string ErrMessageGone = "-ERR [SYS/TEMP] message was removed by another session";
    public const string ErrWrongState = "-ERR command not valid in this state";
    public const string ErrAlreadyTls = "-ERR TLS already active";
    public const string ErrTlsUnavailable = "-ERR [SYS/TEMP] TLS not available";
    public const string ErrLineTooLong = "-ERR line too long";
    public const string ErrTooManyBadCommands = "-ERR too many bad commands, closing connection";
    public const string ErrMechanism = "-ERR unsupported authentication mechanism";
    public const string ErrSaslCancelled = "-ERR authentication cancelled";
    public const string ErrSaslMalformed = "-ERR malformed SASL response";
    public const string ErrTemporary = "-ERR [SYS/TEMP] temporary server failure, try again later";
    public const string ErrUpdateFailed = "-ERR [SYS/TEMP] some deleted messages were not removed";
    public const string ErrTimeout = "-ERR idle timeout, closing connection";
    /// <summary>The mailbox's password changed (or it was suspended or removed) while this session was open; nothing DELE'd is removed.</summary>
    public const string ErrCredentialsChanged = "-ERR [AUTH] Credentials changed; log in again";
    /// <summary>The node lost the database connection holding its maildrop locks (several nodes): RFC 3206 SYS/TEMP, the client reconnects.</summary>
    public const string ErrLockLost = "-ERR [SYS/TEMP] Maildrop lock lost with the database connection; log in again";

    /// <summary>RFC 2449 CAPA lines; USER and SASL only where plaintext credentials may be sent.</summary>
    public static IEnumerable<string> Capabilities(bool plaintextAllowed, bool offerStls)
    {
        yield return "TOP";
        yield return "UIDL";
        yield return "RESP-CODES";
        yield return "AUTH-RESP-CODE";
        yield return "PIPELINING";
        if (plaintextAllowed)
        {
            yield return "USER";
            yield return "SASL PLAIN";
        }
        if (offerStls)
            yield return "STLS";
        yield return "IMPLEMENTATION HostingPanel";
    }

    public static string Stat(int count, long size) => $"+OK {count} {size}";
    public static string ListLine(int number, long size) => $"{number} {size}";
    public static string UidlLine(int number, string uid) => $"{number} {uid}";
    public static string ListOne(int number, long size) => "+OK " + ListLine(number, size);
    public static string UidlOne(int number, string uid) => "+OK " + UidlLine(number, uid);
    public static string RetrFollows(long size) => $"+OK {size} octets";
    public static string Deleted(int number) => $"+OK message {number} deleted";
    public static string Reset(int count, long size) => $"+OK maildrop has {count} messages ({size} octets)";
    public static string Error(string reason) => "-ERR " + reason;

    public static readonly byte[] CrLf = "\r\n"u8.ToArray();
    public static readonly byte[] Terminator = ".\r\n"u8.ToArray();
    public static byte[] Line(string text) => Encoding.UTF8.GetBytes(text + "\r\n");
}
