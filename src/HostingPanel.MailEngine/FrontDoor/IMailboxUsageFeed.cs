using HostingPanel.MailEngine.Storage;

namespace HostingPanel.MailEngine.FrontDoor;

/// <summary>
/// Which mailboxes' usage changed (messages added or expunged), as the engine commits the changes: the worker copies
/// usage back for just those mailboxes soon after, instead of waiting for its next full pass.
/// </summary>
public interface IMailboxUsageFeed
{
    /// <summary>False where this process runs no engine: no change is ever reported, so callers rely on full passes.</summary>
    bool IsLive { get; }

    /// <summary>
    /// Calls <paramref name="mailboxChanged"/> with the engine's mailbox id after each committed change of its messages,
    /// on the committing thread: the handler must only take note. Dispose the result to stop.
    /// </summary>
    IDisposable Subscribe(Action<long> mailboxChanged);
}

internal sealed class MailboxUsageFeed(MailboxChangeNotifier notifier) : IMailboxUsageFeed
{
    public bool IsLive => true;

    public IDisposable Subscribe(Action<long> mailboxChanged)
    {
        void OnChange(MailboxChange change)
        {
            if (change.Kind is MailboxChangeKind.MessagesAdded or MailboxChangeKind.MessagesExpunged)
                mailboxChanged(change.MailboxId);
        }
        notifier.AnyChange += OnChange;
        return new Unsubscriber(() => notifier.AnyChange -= OnChange);
    }

    private sealed class Unsubscriber(Action unsubscribe) : IDisposable
    {
        private int _done;
        public void Dispose()
        {
            if (Interlocked.Exchange(ref _done, 1) == 0)
                unsubscribe();
        }
    }
}
