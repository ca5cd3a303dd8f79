using System.Runtime.InteropServices;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace HostingPanel.MailEngine.Listeners;

/// <summary>A part of the process that may hold this many file descriptors at once (a listener's total, Kestrel's limit).</summary>
public sealed record FileDescriptorDemand(string What, long Descriptors);

/// <summary>The process cannot get the file descriptors its connection limits allow; the message says what to change.</summary>
public sealed class FileDescriptorBudgetException(string message) : Exception(message);

/// <summary>
/// RLIMIT_NOFILE against what the configured limits allow: every listener's total, the portal's, and a
/// reserve for databases, message files and outbound connections. At start-up, before any port is bound,
/// the soft limit is raised as far as needed (never past the hard limit); when even the hard limit is too
/// low, start-up stops with one line naming both ways out. Otherwise a flood would find the limit first:
/// accept fails with EMFILE, and so does every database and message file the process then opens.
/// </summary>
public static class FileDescriptorBudget
{
    /// <summary>Descriptors kept beside the connections: SQLite and its WAL, message bodies, outbound SMTP, webmail's own IMAP clients.</summary>
    public const long Reserve = 1024;

    private const int RlimitNofileLinux = 7;

    [StructLayout(LayoutKind.Sequential)]
    private struct RLimit
    {
        public ulong Current;
        public ulong Maximum;
    }

    [DllImport("libc", EntryPoint = "getrlimit", SetLastError = true)]
    private static extern int GetRLimit(int resource, out RLimit limit);

    [DllImport("libc", EntryPoint = "setrlimit", SetLastError = true)]
    private static extern int SetRLimit(int resource, ref RLimit limit);

    /// <summary>The soft and hard RLIMIT_NOFILE, or null where it cannot be read (not Linux).</summary>
    public static (ulong Soft, ulong Hard)? Read()
    {
        if (!OperatingSystem.IsLinux() || GetRLimit(RlimitNofileLinux, out var limit) != 0)
            return null;
        return (limit.Current, limit.Maximum);
    }

    /// <summary>Raises the soft limit to <paramref name="required"/> if it is below; returns the soft limit in force.</summary>
    /// <exception cref="FileDescriptorBudgetException">The hard limit is below <paramref name="required"/>.</exception>
    public static ulong Ensure(long required, IEnumerable<FileDescriptorDemand> demands)
    {
        if (Read() is not var (soft, hard))
            return ulong.MaxValue;
        var need = (ulong)Math.Max(required, 0);
        if (soft >= need)
            return soft;
        if (hard < need)
            throw new FileDescriptorBudgetException(
                $"the connection limits allow {need:N0} open files ({Describe(demands)}, {Reserve:N0} in reserve) but this process may open only {hard:N0} (RLIMIT_NOFILE); " +
                "lower Mail:Limits:Total or Http:Limits:MaxConcurrentConnections, or raise the limit (ulimit -n, systemd LimitNOFILE=).");
        var raised = new RLimit { Current = need, Maximum = hard };
        if (SetRLimit(RlimitNofileLinux, ref raised) != 0)
            throw new FileDescriptorBudgetException($"could not raise the open-files limit from {soft:N0} to {need:N0} (errno {Marshal.GetLastPInvokeError()}); raise it with ulimit -n or systemd LimitNOFILE=.");
        return need;
    }

    private static string Describe(IEnumerable<FileDescriptorDemand> demands) =>
        string.Join(", ", demands.Where(d => d.Descriptors > 0).Select(d => $"{d.What} {d.Descriptors:N0}"));

    /// <summary>
    /// Registers the start-up check (once, whoever calls first). Registered before the listeners' hosted
    /// services, it runs before any of them binds a port; Kestrel binds after all hosted services started.
    /// </summary>
    public static IServiceCollection AddFileDescriptorBudget(this IServiceCollection services)
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, FileDescriptorBudgetCheck>());
        return services;
    }
}

internal sealed class FileDescriptorBudgetCheck(IEnumerable<FileDescriptorDemand> demands, ILogger<FileDescriptorBudgetCheck> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var list = demands.ToList();
        var required = list.Sum(d => d.Descriptors) + FileDescriptorBudget.Reserve;
        var before = FileDescriptorBudget.Read();
        var inForce = FileDescriptorBudget.Ensure(required, list);
        if (before is { } b && inForce != b.Soft)
            logger.LogInformation("Raised the open-files limit from {Before} to {After} for the connection limits", b.Soft, inForce);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
