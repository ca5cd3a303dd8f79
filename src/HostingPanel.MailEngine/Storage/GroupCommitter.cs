using System.Data.Common;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace HostingPanel.MailEngine.Storage;

/// <summary>
/// Group commit for new messages: concurrent deliveries and appends queue here, and one loop makes
/// each batch durable with one fsync per body directory. On SQLite the batch is then one database
/// transaction (one WAL fsync) in which each item runs inside its own savepoint, so one failing item
/// does not undo the others. On PostgreSQL each item of the batch commits in its own transaction, all
/// at once: the server already flushes concurrent commits together, and one transaction for the batch
/// would hold every folder row it touched for the length of the whole batch, one round trip after
/// another, which made every other writer of those folders wait. A caller's task completes only after
/// its item has committed.
/// </summary>
public sealed class GroupCommitter : IAsyncDisposable
{
    private const int MaxBatch = 256;
    private readonly EngineDatabase _db;
    private readonly BodyStore _bodies;
    private readonly ILogger<GroupCommitter> _logger;
    private readonly Channel<IWorkItem> _queue = Channel.CreateUnbounded<IWorkItem>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _loop;

    public GroupCommitter(EngineDatabase db, BodyStore bodies, ILogger<GroupCommitter> logger)
    {
        _db = db;
        _bodies = bodies;
        _logger = logger;
        _loop = Task.Run(RunAsync);
    }

    /// <summary>Runs <paramref name="work"/> in the next batch, after fsyncing <paramref name="directories"/>.</summary>
    public Task<T> CommitAsync<T>(IReadOnlyCollection<string> directories, Func<DbConnection, DbTransaction, Task<T>> work)
    {
        var item = new WorkItem<T>(directories, work);
        if (!_queue.Writer.TryWrite(item))
            throw new ObjectDisposedException(nameof(GroupCommitter));
        return item.Completion.Task;
    }

    private async Task RunAsync()
    {
        var batch = new List<IWorkItem>(MaxBatch);
        while (await _queue.Reader.WaitToReadAsync())
        {
            batch.Clear();
            while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var item))
                batch.Add(item);
            if (batch.Count == 0)
                continue;
            try
            {
                // A failed directory fsync fails the whole batch: no item of it is acknowledged.
                _bodies.MakeRenamesDurable(batch.SelectMany(i => i.Directories));
                if (!_db.IsSqlite)
                {
                    await Task.WhenAll(batch.Select(CommitAloneAsync));
                    continue;
                }

                await _db.WriteAsync(async (c, tx) =>
                {
                    foreach (var item in batch)
                    {
                        item.Reset();
                        await tx.SaveAsync("item");
                        try
                        {
                            await item.RunAsync(c, tx);
                            await tx.ReleaseAsync("item");
                        }
                        catch (Exception e) when (e is not OperationCanceledException)
                        {
                            await tx.RollbackAsync("item");
                            item.Fail(e);
                        }
                    }
                });
                foreach (var item in batch)
                    item.Complete();
            }
            catch (Exception e)
            {
                _logger.LogError(e, "Group commit of {Count} items failed", batch.Count);
                foreach (var item in batch)
                {
                    item.Fail(e);
                    item.Complete();
                }
            }
        }
    }

    /// <summary>One item in its own transaction (PostgreSQL): a deadlock or serialization failure is retried by <see cref="EngineDatabase.WriteAsync{T}"/>.</summary>
    private async Task CommitAloneAsync(IWorkItem item)
    {
        try
        {
            await _db.WriteAsync(async (c, tx) =>
            {
                item.Reset();
                await item.RunAsync(c, tx);
            });
        }
        catch (Exception e)
        {
            item.Fail(e);
        }

        item.Complete();
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _loop;
    }

    private interface IWorkItem
    {
        IReadOnlyCollection<string> Directories { get; }
        void Reset();
        Task RunAsync(DbConnection c, DbTransaction tx);
        void Fail(Exception e);
        void Complete();
    }

    private sealed class WorkItem<T>(IReadOnlyCollection<string> directories, Func<DbConnection, DbTransaction, Task<T>> work) : IWorkItem
    {
        private T? _result;
        private Exception? _error;
        public TaskCompletionSource<T> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public IReadOnlyCollection<string> Directories => directories;
        public void Reset() { _error = null; _result = default; }
        public async Task RunAsync(DbConnection c, DbTransaction tx) => _result = await work(c, tx);
        public void Fail(Exception e) => _error ??= e;
        public void Complete()
        {
            if (_error is not null)
                Completion.TrySetException(_error);
            else
                Completion.TrySetResult(_result!);
        }
    }
}
