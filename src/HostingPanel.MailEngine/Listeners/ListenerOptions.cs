namespace HostingPanel.MailEngine.Listeners;

public sealed class ListenerOptions
{
    /// <summary>0 disables the listener.</summary>
    public int Port { get; set; }

    /// <summary><c>Mail:{Listener}:Limits:PerAddress</c> / <c>:Total</c>: this listener's own connection limits.</summary>
    public ListenerLimitOverrides Limits { get; set; } = new();
}
