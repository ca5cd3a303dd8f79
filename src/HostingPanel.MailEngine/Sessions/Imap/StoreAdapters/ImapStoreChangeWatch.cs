using HostingPanel.MailEngine.Storage;

namespace HostingPanel.MailEngine.Sessions.Imap.StoreAdapters;

/// <summary>
/// NOTIFY's latch over <see cref="MailboxChangeNotifier"/>: any change of the account (but a credential change,
/// which ends the session anyway) sets it. Changes relayed from other engine nodes arrive the same way.
/// </summary>
internal sealed class ImapStoreChangeWatch : IImapChangeWatch
{
    private readonly object _gate = new();
    private readonly IDisposable _subscription;
    private TaskCompletionSource _signal = NewSignal();
    private bool _set;

    public ImapStoreChangeWatch(MailboxChangeNotifier changes, long mailboxId) =>
        _subscription = changes.Subscribe(mailboxId, OnChange);

    // Runs on the publisher's thread: only sets the latch (the waiter's continuation runs elsewhere).
    private void OnChange(MailboxChange change)
    {
        if (change.Kind != MailboxChangeKind.CredentialsChanged)
        {
            Requeue();
        }
    }

    public void Requeue()
    {
        TaskCompletionSource signal;
        lock (_gate)
        {
            _set = true;
            signal = _signal;
        }

        signal.TrySetResult();
    }

    public async Task WaitAsync(CancellationToken cancellationToken)
    {
        Task wait;
        lock (_gate)
        {
            if (TakeLocked())
            {
                return;
            }

            wait = _signal.Task;
        }

        await wait.WaitAsync(cancellationToken);
        lock (_gate)
        {
            TakeLocked();
        }
    }

    private bool TakeLocked()
    {
        if (!_set)
        {
            return false;
        }

        _set = false;
        _signal = NewSignal();
        return true;
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Dispose() => _subscription.Dispose();
}
