namespace HostingPanel.MailEngine.Sieve;

/// <summary>
/// A script that cannot be compiled: the message names the line, as ManageSieve's CHECKSCRIPT and
/// PUTSCRIPT report it (RFC 5804 section 2.6: "line N: ..."), and as the portal shows it.
/// </summary>
public sealed class SieveCompileException(int line, string message) : Exception($"line {line}: {message}")
{
    public int Line { get; } = line;
    public string Reason { get; } = message;
}

/// <summary>A failure while a script runs (limits, conflicting actions): the message is kept (RFC 5228 section 2.10.6).</summary>
public sealed class SieveRuntimeException(int line, string message) : Exception($"line {line}: {message}")
{
    public int Line { get; } = line;
}
