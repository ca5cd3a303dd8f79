using System.Collections.Concurrent;
using HostingPanel.MailEngine.Transfer;
using Microsoft.Extensions.Options;

namespace HostingPanel.Web.Features.Migrations;

/// <summary>
/// Runs queued migrations, and on start resumes those a stopped process left running (their rows keep status and
/// credentials). Jobs from the same source host run one after another, so many mailboxes moved from one old server do
/// not hammer it (nor trip its connection limits); at most <see cref="MigrationOptions.MaxConcurrentJobs"/> run at once.
/// </summary>
public sealed class MigrationWorker(IMigrationJobs jobs, ImapMigrationRunner runner, MigrationSignal signal, IOptions<MigrationOptions> options,
    ILogger<MigrationWorker> logger) : BackgroundService
{
    private readonly ConcurrentDictionary<string, Task> _running = new();
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _perHost = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Whether this process is running (or about to run) the job: a paused job is stopped once this is false.</summary>
    public bool IsRunning(string id) => _running.ContainsKey(id);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var slots = new SemaphoreSlim(Math.Max(1, options.Value.MaxConcurrentJobs));
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                foreach (var job in await jobs.PendingAsync(stoppingToken))
                {
                    if (_running.ContainsKey(job.Id)) continue;
                    _running[job.Id] = Task.Run(async () =>
                    {
                        var host = _perHost.GetOrAdd(job.Host, _ => new SemaphoreSlim(1, 1));
                        await host.WaitAsync(stoppingToken);
                        await slots.WaitAsync(stoppingToken);
                        try
                        {
                            // The row may have ended meanwhile (another node): read it again.
                            if (await jobs.GetAsync(job.Id, stoppingToken) is { Status: MigrationStatus.Queued or MigrationStatus.Running } current)
                                await runner.RunAsync(current, stoppingToken);
                        }
                        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { }
                        catch (Exception e) { logger.LogError(e, "Migration {Id} crashed", job.Id); }
                        finally
                        {
                            slots.Release();
                            host.Release();
                            _running.TryRemove(job.Id, out _);
                        }
                    }, CancellationToken.None);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { break; }
            catch (Exception e) { logger.LogWarning(e, "Reading migration jobs failed; retrying"); }
            try { await signal.WaitAsync(TimeSpan.FromSeconds(2), stoppingToken); }
            catch (OperationCanceledException) { break; }
        }
        await Task.WhenAll(_running.Values.ToArray());
    }
}
