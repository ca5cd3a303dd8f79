using System.Text;

namespace HostingPanel.MailEngine.Listeners;

/// <summary>
/// The line a listener writes to a client it turns away, per protocol: an IMAP <c>* BYE</c> with
/// <c>[UNAVAILABLE]</c> (RFC 9051 section 7.1), a POP3 <c>-ERR [SYS/TEMP]</c> (RFC 3206 section 4),
/// an SMTP <c>421 4.7.0</c> (RFC 5321 section 3.8, RFC 3463), a ManageSieve
/// <c>BYE (TRYLATER)</c> (RFC 5804). Implicit-TLS ports get none: the refusal
/// would have to wait for a TLS handshake, which is what a flood wants the server to spend.
/// </summary>
internal sealed class ListenerRefusals(string perAddress, string total)
{
    private readonly byte[] _perAddress = Encoding.ASCII.GetBytes(perAddress + "\r\n");
    private readonly byte[] _total = Encoding.ASCII.GetBytes(total + "\r\n");

    public byte[]? For(ConnectionRefusal refusal) => refusal switch
    {
        ConnectionRefusal.PerAddress => _perAddress,
        ConnectionRefusal.Total => _total,
        _ => null,
    };

    public static ListenerRefusals Imap { get; } = new(
        "* BYE [UNAVAILABLE] Too many connections from your address, try again later",
        "* BYE [UNAVAILABLE] Too many connections, try again later");

    public static ListenerRefusals Pop3 { get; } = new(
        "-ERR [SYS/TEMP] Too many connections from your address, try again later",
        "-ERR [SYS/TEMP] Too many connections, try again later");

    /// <summary>RFC 5804 section 1.3: TRYLATER, "a temporary failure; the client should try again later".</summary>
    public static ListenerRefusals ManageSieve { get; } = new(
        "BYE (TRYLATER) \"Too many connections from your address, try again later\"",
        "BYE (TRYLATER) \"Too many connections, try again later\"");

    public static ListenerRefusals Smtp(string hostname) => new(
        $"421 4.7.0 {hostname} Too many connections from your address, try again later",
        $"421 4.7.0 {hostname} Too many connections, try again later");
}
