using System.Net;
using System.Text;
using HostingPanel.MailEngine.Protocol.Imap;
using HostingPanel.MailEngine.Sessions.Imap;
using HostingPanel.MailEngine.Sessions.Imap.StoreAdapters;

namespace HostingPanel.Bench.Micro;

/// <summary>
/// An <see cref="ImapSession"/> of the engine on a temporary store, driven without a socket: commands
/// are parsed and executed, and what would be sent is counted and dropped (<see cref="DiscardingChannel"/>).
/// </summary>
internal sealed class BenchImapSession
{
    private BenchImapSession(ImapSession session, DiscardingChannel channel)
    {
        Session = session;
        Channel = channel;
    }

    public ImapSession Session { get; }

    public DiscardingChannel Channel { get; }

    /// <summary>Logged in as <paramref name="user"/> (created with <see cref="TemporaryEngine.Password"/>).</summary>
    public static async Task<BenchImapSession> LoginAsync(TemporaryEngine engine, string user)
    {
        var channel = new DiscardingChannel();
        var session = new ImapSession(new ImapSessionOptions { AllowPlaintextAuth = true }, engine.Get<ImapStoreAuthenticator>(), channel,
            new ImapClientInfo(new IPEndPoint(IPAddress.Loopback, 40000), IsSecure: false));
        channel.Session = session;
        var bench = new BenchImapSession(session, channel);
        await bench.RunCheckedAsync($"l LOGIN {user} {TemporaryEngine.Password}");
        return bench;
    }

    /// <summary>Runs one command line and throws unless its tagged answer is OK; returns the response text.</summary>
    public async Task<string> RunCheckedAsync(string line)
    {
        var command = ImapCommandParser.Parse(line + "\r\n").Command ?? throw new InvalidOperationException("did not parse: " + line);
        await Session.ExecuteAsync(command, CancellationToken.None);
        var text = Encoding.UTF8.GetString(Session.Output.WrittenSpan);
        if (!text.Contains(command.Tag + " OK", StringComparison.Ordinal))
            throw new InvalidOperationException(line + " failed: " + text[^Math.Min(300, text.Length)..]);
        Session.Output.Clear();
        return text;
    }

    /// <summary>Bytes the last commands produced (what would have gone to the socket), then forgets them.</summary>
    public long TakeOutputBytes()
    {
        var bytes = Channel.Discarded + Session.Output.WrittenCount;
        Channel.Discarded = 0;
        Session.Output.Clear();
        return bytes;
    }
}
