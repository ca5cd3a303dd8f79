using System.Globalization;

namespace HostingPanel.Web.Hosting.Backup;

/// <summary><c>Backup:*</c>: the scheduled backup; off while <see cref="Directory"/> is unset.</summary>
public sealed class ScheduledBackupOptions
{
    /// <summary>Where backups go, each into <c>backup-{UTC time}</c> below it.</summary>
    public string? Directory { get; set; }
    public TimeSpan Interval { get; set; } = TimeSpan.FromDays(1);
    /// <summary>How many complete backups are kept; older ones are removed after a new one verified.</summary>
    public int Keep { get; set; } = 7;
}

/// <summary>
/// Takes the same backup as the <c>backup</c> command on a schedule, in the worker (the leader only, when several nodes
/// share a database). The next one is due an interval after the newest complete backup, so a restart neither skips nor
/// repeats one.
/// </summary>
public sealed class ScheduledBackup(ScheduledBackupOptions options, BackupLocations locations, TimeProvider clock, ILogger<ScheduledBackup> logger) : BackgroundService
{
    private const string Prefix = "backup-";
    private const string TimeFormat = "yyyyMMdd'T'HHmmss'Z'";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var root = Path.GetFullPath(options.Directory!, locations.DataDirectory);
        System.IO.Directory.CreateDirectory(root);
        var interval = options.Interval > TimeSpan.Zero ? options.Interval : TimeSpan.FromDays(1);
        while (!stoppingToken.IsCancellationRequested)
        {
            var last = Complete(root).Select(b => b.Taken).DefaultIfEmpty(clock.GetUtcNow()).Max();
            var wait = last + interval - clock.GetUtcNow();
            if (wait > TimeSpan.Zero) await Task.Delay(wait, clock, stoppingToken);
            var target = Path.Combine(root, Prefix + clock.GetUtcNow().ToString(TimeFormat, CultureInfo.InvariantCulture));
            try
            {
                var s = await Task.Run(() => InstallationBackup.Run(locations, target, m => logger.LogDebug("{Message}", m), [root], stoppingToken), stoppingToken);
                logger.LogInformation("Scheduled backup written to {Directory}: {Files} files, {Bytes} bytes, verified", s.Directory, s.Files, s.Bytes);
                foreach (var old in Complete(root).OrderByDescending(b => b.Taken).Skip(Math.Max(1, options.Keep)))
                    System.IO.Directory.Delete(old.Path, recursive: true);
            }
            catch (Exception e) when (e is BackupException or IOException or UnauthorizedAccessException or Microsoft.Data.Sqlite.SqliteException)
            {
                logger.LogError(e, "Scheduled backup into {Directory} failed", target);
                TryDelete(target);
                // Try again after a tenth of the interval rather than a whole one.
                await Task.Delay(interval / 10, clock, stoppingToken);
            }
        }
    }

    private static IEnumerable<(string Path, DateTimeOffset Taken)> Complete(string root) =>
        System.IO.Directory.EnumerateDirectories(root, Prefix + "*")
            .Where(d => File.Exists(Path.Combine(d, BackupManifest.FileName)))
            .Select(d => (d, DateTimeOffset.TryParseExact(Path.GetFileName(d)[Prefix.Length..], TimeFormat, CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var t) ? t : DateTimeOffset.MinValue))
            .Where(b => b.Item2 != DateTimeOffset.MinValue);

    private static void TryDelete(string directory)
    {
        try { if (System.IO.Directory.Exists(directory)) System.IO.Directory.Delete(directory, recursive: true); }
        catch (IOException) { }
    }

    /// <summary>Registers the schedule when <c>Backup:Directory</c> is set and this process runs the worker.</summary>
    public static void Register(IServiceCollection services, IConfiguration configuration, PanelSettings settings)
    {
        var options = configuration.GetSection("Backup").Get<ScheduledBackupOptions>() ?? new ScheduledBackupOptions();
        // The worker runs only beside the engine (see the start-up banner); the backup goes where the worker is.
        if (string.IsNullOrWhiteSpace(options.Directory) || !settings.Roles.Worker || !settings.Roles.Mail) return;
        if (settings.Provider != DatabaseProvider.Sqlite)
            throw new StartupProblem("Backup:Directory is set, but scheduled backups copy SQLite installations; on PostgreSQL schedule pg_dump instead (see docs/operations.md).");
        services.AddSingleton(options);
        services.AddSingleton(sp => BackupLocations.Read(configuration, sp.GetRequiredService<IHostEnvironment>().ContentRootPath));
        services.AddSingleton<ScheduledBackup>();
        services.AddHostedService(sp => new MailEngine.Hosting.LeaderOnlyService<ScheduledBackup>(sp.GetRequiredService<ScheduledBackup>(),
            sp.GetRequiredService<MailEngine.Hosting.WorkerLeadership>()));
    }
}
