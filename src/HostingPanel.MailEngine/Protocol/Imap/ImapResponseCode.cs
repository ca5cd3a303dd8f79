using System.Globalization;

namespace HostingPanel.MailEngine.Protocol.Imap;

/// <summary>
/// Response codes (the text between "[" and "]"), RFC 9051 section 7.1 and the extensions
/// (RFC 5530, 4315 UIDPLUS, 7162 CONDSTORE, 9208 QUOTA, 3516 BINARY, 4469/7889 TOOBIG).
/// </summary>
public static class ImapResponseCode
{
    public const string Alert = "ALERT";
    public const string AlreadyExists = "ALREADYEXISTS";
    public const string AuthenticationFailed = "AUTHENTICATIONFAILED";
    public const string AuthorizationFailed = "AUTHORIZATIONFAILED";
    public const string Cannot = "CANNOT";
    public const string ClientBug = "CLIENTBUG";
    public const string Closed = "CLOSED";
    public const string ContactAdmin = "CONTACTADMIN";
    public const string Corruption = "CORRUPTION";
    public const string Expired = "EXPIRED";
    public const string ExpungeIssued = "EXPUNGEISSUED";
    public const string HasChildren = "HASCHILDREN";
    public const string InUse = "INUSE";
    public const string Limit = "LIMIT";
    public const string NoModSeq = "NOMODSEQ";
    public const string NonExistent = "NONEXISTENT";
    public const string NoPerm = "NOPERM";
    public const string OverQuota = "OVERQUOTA";
    public const string Parse = "PARSE";
    public const string PrivacyRequired = "PRIVACYREQUIRED";
    public const string ReadOnly = "READ-ONLY";
    public const string ReadWrite = "READ-WRITE";
    public const string ServerBug = "SERVERBUG";
    public const string TooBig = "TOOBIG";
    public const string TryCreate = "TRYCREATE";
    public const string Unavailable = "UNAVAILABLE";
    public const string UnknownCte = "UNKNOWN-CTE";
    public const string UidNotSticky = "UIDNOTSTICKY";
    public const string BadCharset = "BADCHARSET";

    /// <summary>
    /// RFC 4469 section 5: the URL of a CATENATE part that could not be used, as <c>url-resp-text</c> (any text but
    /// CR, LF and "]"). The URL is the client's own text, possibly from a literal: whatever could end the response
    /// code or the line is replaced, so it can never forge a response.
    /// </summary>
    public static string BadUrl(string url)
    {
        var text = new string(url.Take(ImapMessageUrlMaxEcho).Select(c => c is < ' ' or ']' or > '~' ? '?' : c).ToArray());
        return text.Length == 0 ? "BADURL ?" : "BADURL " + text;
    }

    private const int ImapMessageUrlMaxEcho = 1024;

    public static string UidValidity(uint value) => "UIDVALIDITY " + value.ToString(CultureInfo.InvariantCulture);

    public static string UidNext(uint value) => "UIDNEXT " + value.ToString(CultureInfo.InvariantCulture);

    public static string Unseen(uint sequence) => "UNSEEN " + sequence.ToString(CultureInfo.InvariantCulture);

    public static string HighestModSeq(ulong value) => "HIGHESTMODSEQ " + value.ToString(CultureInfo.InvariantCulture);

    public static string PermanentFlags(IEnumerable<string> flags, bool allowsNewKeywords) =>
        "PERMANENTFLAGS (" + string.Join(' ', allowsNewKeywords ? flags.Append("\\*") : flags) + ")";

    /// <summary>RFC 4315: APPENDUID uidvalidity uid-set.</summary>
    public static string AppendUid(uint uidValidity, IEnumerable<uint> uids) =>
        "APPENDUID " + uidValidity.ToString(CultureInfo.InvariantCulture) + " " + ImapSequenceSetFormatter.Format(uids, keepOrder: true);

    /// <summary>RFC 4315: COPYUID uidvalidity source-uids destination-uids (paired in order).</summary>
    public static string CopyUid(uint uidValidity, IEnumerable<uint> sourceUids, IEnumerable<uint> destinationUids) =>
        "COPYUID " + uidValidity.ToString(CultureInfo.InvariantCulture) + " "
        + ImapSequenceSetFormatter.Format(sourceUids, keepOrder: true) + " " + ImapSequenceSetFormatter.Format(destinationUids, keepOrder: true);

    /// <summary>RFC 7162: MODIFIED sequence-set (the messages STORE UNCHANGEDSINCE did not change).</summary>
    public static string Modified(IEnumerable<uint> numbers) => "MODIFIED " + ImapSequenceSetFormatter.Format(numbers);

    public static string Capability(IEnumerable<string> capabilities) => "CAPABILITY " + string.Join(' ', capabilities);
}
