namespace HostingPanel.MailEngine.Sessions.Pop3;

/// <summary>What the connection does after a command: read the next one, close, or start TLS (STLS).</summary>
internal enum Pop3Outcome
{
    Continue,
    Close,
    StartTls,
}
