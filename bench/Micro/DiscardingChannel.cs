using HostingPanel.MailEngine.Sessions.Imap;

namespace HostingPanel.Bench.Micro;

/// <summary>Stands in for the socket: a flush just drops the pending output.</summary>
internal sealed class DiscardingChannel : IImapChannel
{
    public ImapSession? Session { get; set; }
    public long Discarded { get; set; }

    public ValueTask FlushAsync(CancellationToken cancellationToken)
    {
        Discarded += Session!.Output.WrittenCount;
        Session.Output.Clear();
        return ValueTask.CompletedTask;
    }

    public ValueTask<string?> ReadLineAsync(CancellationToken cancellationToken) => ValueTask.FromResult<string?>(null);
}
