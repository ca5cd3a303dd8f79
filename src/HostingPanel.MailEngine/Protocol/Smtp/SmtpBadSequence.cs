namespace HostingPanel.MailEngine.Protocol.Smtp;

/// <summary>
/// RFC 5321 sections 4.1.4 and 4.3.2: a command out of order (DATA or RCPT before MAIL, DATA before
/// any accepted RCPT, a second MAIL inside a transaction) is "503 Bad sequence of commands", enhanced
/// code 5.5.1 (RFC 3463 section 3.6). SmtpServer 11.1.0's state machine refuses these itself, as
/// "501 expected MAIL/RSET/...", and has no hook to change its reply (the state table is internal),
/// so the reply line is corrected on its way out.
/// </summary>
public static class SmtpBadSequence
{
    private const string PackagePrefix = "501 expected ";

    /// <summary>The corrected line, or <paramref name="line"/> itself when it is not the package's sequence refusal.</summary>
    public static string Rewrite(string line) =>
        line.StartsWith(PackagePrefix, StringComparison.Ordinal)
            ? Reply("expected " + line[PackagePrefix.Length..])
            : line;

    /// <summary>The reply line (without CRLF) for a command out of order; <paramref name="detail"/> says what was expected.</summary>
    public static string Reply(string detail) => $"503 5.5.1 bad sequence of commands: {detail}";
}
