using System.Collections;
using System.Net;
using System.Security.Cryptography;

namespace HostingPanel.MailEngine.Listeners;

/// <summary>
/// The logging scope of one mail connection. Every line logged while the connection is served (by any logger in
/// the session's async flow) carries the listener, a session id and the client's address, so one session's lines
/// can be pulled out of a busy log: with <c>Logging:Format=json</c> they appear as
/// <c>"Scopes":[{"Listener":"imap","SessionId":"…","Remote":"…"}]</c>. Being a list of pairs is what makes the
/// console formatters write them as named properties rather than one string.
/// </summary>
public sealed class MailSessionScope : IReadOnlyList<KeyValuePair<string, object?>>
{
    /// <summary>Where the SMTP package's session context keeps the scope of the connection it serves.</summary>
    internal const string SmtpContextKey = "HostingPanel.MailSessionScope";

    private static readonly AsyncLocal<MailSessionScope?> CurrentScope = new();

    public MailSessionScope(string listener, EndPoint? remote)
    {
        Listener = listener;
        // 48 random bits: unique enough to find one session among a day's, short enough to read.
        SessionId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
        Remote = remote?.ToString() ?? "";
    }

    public string Listener { get; }
    public string SessionId { get; }
    public string Remote { get; }

    /// <summary>The scope of the connection this async flow serves, if any (set by the accept loop).</summary>
    public static MailSessionScope? Current
    {
        get => CurrentScope.Value;
        internal set => CurrentScope.Value = value;
    }

    public int Count => 3;

    public KeyValuePair<string, object?> this[int index] => index switch
    {
        0 => new(nameof(Listener), Listener),
        1 => new(nameof(SessionId), SessionId),
        2 => new(nameof(Remote), Remote),
        _ => throw new ArgumentOutOfRangeException(nameof(index)),
    };

    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator()
    {
        for (var i = 0; i < Count; i++)
            yield return this[i];
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public override string ToString() => $"{Listener} session {SessionId} from {Remote}";
}
