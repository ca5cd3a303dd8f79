using HostingPanel.MailEngine.Admin;
using HostingPanel.MailEngine.Auth;
using HostingPanel.MailEngine.Hosting;
using HostingPanel.MailEngine.Listeners;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace HostingPanel.Bench.Deliverability;

/// <summary>The engine in process on SQLite in a temporary directory, the MX port chosen by the OS, ten mailboxes of bench.test (verified, so it has DKIM keys).</summary>
public sealed class BenchEngine : IAsyncDisposable
{
    private readonly IHost _host;
    private readonly string _directory;

    private BenchEngine(IHost host, string directory)
    {
        _host = host;
        _directory = directory;
    }

    public IServiceProvider Services => _host.Services;
    public int SmtpPort => Services.GetRequiredService<IMailListenerRegistry>().GetPort("smtp")!.Value;
    public static IReadOnlyList<string> Mailboxes { get; } = Enumerable.Range(1, 10).Select(i => $"u{i:00}@bench.test").ToList();

    public static async Task<BenchEngine> StartAsync(Dictionary<string, string?> settings)
    {
        var directory = Path.Combine(Path.GetTempPath(), "hp-bench-delivery-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(directory);
        var config = new Dictionary<string, string?>
        {
            ["Storage:DataDirectory"] = directory,
            ["Mail:Hostname"] = "mail.bench.test",
            ["Mail:Imap:Port"] = "0", ["Mail:Imaps:Port"] = "0", ["Mail:Pop3:Port"] = "0", ["Mail:Pop3s:Port"] = "0",
            ["Mail:Submission:Port"] = "0", ["Mail:Submissions:Port"] = "0", ["Mail:ManageSieve:Port"] = "0",
            ["Mail:Smtp:Port"] = "-1",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        foreach (var (k, v) in settings)
            config[k] = v;
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(config);
        builder.Services.AddMailEngine(builder.Configuration);
        var host = builder.Build();
        await host.StartAsync();
        var admin = host.Services.GetRequiredService<IMailEngineAdmin>();
        await admin.EnsureDomainAsync(new DomainSpec("bench.test", "bench", Verified: true));
        var hash = DovecotPassword.HashSha512Crypt("bench password");
        foreach (var address in Mailboxes)
            await admin.EnsureMailboxAsync(new MailboxSpec(address, hash, 0, true, true, true, 0));
        return new BenchEngine(host, directory);
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
        try { Directory.Delete(_directory, recursive: true); }
        catch (IOException) { }
    }
}
