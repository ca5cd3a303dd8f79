namespace HostingPanel.MailEngine.Sessions.Pop3;

public sealed class Pop3Options
{
    /// <summary>Longest accepted command line, CRLF included.</summary>
    public int MaxLineLength { get; set; } = 1000;

    /// <summary>Bad commands after which the session is closed.</summary>
    public int MaxBadCommands { get; set; } = 10;

    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(10);
}
