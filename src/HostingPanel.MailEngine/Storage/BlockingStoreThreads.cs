namespace HostingPanel.MailEngine.Storage;

/// <summary>
/// Microsoft.Data.Sqlite runs its "async" calls synchronously, so every store read or write holds a
/// thread-pool thread for the whole query. With the default minimum (one thread per core) the pool
/// adds threads only slowly (hill climbing, about two a second) once they are all blocked, and every
/// other session's continuation, even a NOOP or an IDLE wake-up, queues behind them: 50 IMAP clients
/// on two cores saw 65-105 ms for NOOP. A higher floor lets the pool start the threads at once.
/// Only raised, never lowered, so a host that set its own floor keeps it.
/// </summary>
internal static class BlockingStoreThreads
{
    internal const int MinimumWorkerThreads = 64;

    public static void EnsureFloor()
    {
        ThreadPool.GetMinThreads(out var workers, out var completionPorts);
        if (workers < MinimumWorkerThreads)
        {
            ThreadPool.SetMinThreads(MinimumWorkerThreads, completionPorts);
        }
    }
}
