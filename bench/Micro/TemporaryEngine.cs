using HostingPanel.MailEngine.Admin;
using HostingPanel.MailEngine.Auth;
using HostingPanel.MailEngine.Directory;
using HostingPanel.MailEngine.Hosting;
using HostingPanel.MailEngine.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace HostingPanel.Bench.Micro;

/// <summary>
/// The real mail engine (AddMailEngine: SQLite store, body files, directory, delivery) on a temporary
/// data directory, with every network listener off: suites that need a store use this, not a fake.
/// Disposing stops it and deletes the directory.
/// </summary>
internal sealed class TemporaryEngine : IAsyncDisposable
{
    public const string Password = "bench-Password-1";
    private readonly IHost _host;

    private TemporaryEngine(IHost host, string directory)
    {
        _host = host;
        DataDirectory = directory;
    }

    public string DataDirectory { get; }
    public IServiceProvider Services => _host.Services;
    public T Get<T>() where T : notnull => _host.Services.GetRequiredService<T>();

    public static async Task<TemporaryEngine> StartAsync()
    {
        var directory = Path.Combine(Path.GetTempPath(), "hp-micro-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(directory);
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Storage:DataDirectory"] = directory,
            ["Mail:Hostname"] = "localhost",
            ["Mail:AllowPlaintextAuth"] = "true",
            // Port 0 switches a listener off: nothing here opens a socket.
            ["Mail:Imap:Port"] = "0",
            ["Mail:Imaps:Port"] = "0",
            ["Mail:Pop3:Port"] = "0",
            ["Mail:Pop3s:Port"] = "0",
            ["Mail:Smtp:Port"] = "0",
            ["Mail:Submission:Port"] = "0",
            ["Mail:Submissions:Port"] = "0",
            ["Mail:ManageSieve:Port"] = "0",
        });
        builder.Services.AddMailEngine(builder.Configuration);
        var host = builder.Build();
        await host.StartAsync();
        return new TemporaryEngine(host, directory);
    }

    /// <summary>A mailbox with a {SHA512-CRYPT} hash (cheap to verify, unlike {ARGON2ID}) and no quota.</summary>
    public async Task<MailboxAccount> CreateMailboxAsync(string address)
    {
        var domain = address.Split('@')[1];
        var admin = Get<IMailEngineAdmin>();
        await admin.EnsureDomainAsync(domain);
        await admin.EnsureMailboxAsync(new MailboxSpec(address, DovecotPassword.HashSha512Crypt(Password), 0, true, true, true, 0));
        return (await Get<MailDirectory>().FindMailboxAsync(address))!;
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
        try
        {
            System.IO.Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open is left for the temporary directory's own cleanup.
        }
    }
}
