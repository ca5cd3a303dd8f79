using System.Globalization;
using System.Reflection;
using HostingPanel.MailEngine.Admin;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

// Exit codes the harness reads: 0 stopped normally, 2 bad arguments, 3 the engine is not there yet.
const int ExitEngineUnavailable = 3;

var options = ParseArgs(args);
if (options is null)
{
    Console.Error.WriteLine("usage: hp-bench-product --data DIR --users USERS.tsv --imap PORT --pop3 PORT --smtp PORT [--corpus DIR --corpus-rcpt ADDRESS[,ADDRESS...]] [--alias ADDRESS=DEST[,DEST...]]");
    return 2;
}

var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [], ContentRootPath = options.DataDirectory });
// The bench's own settings first; environment variables (Mail__..., Storage__...) still win.
builder.Configuration.Sources.Insert(0, new Microsoft.Extensions.Configuration.Memory.MemoryConfigurationSource
{
    InitialData = new Dictionary<string, string?>
    {
        ["Storage:DataDirectory"] = options.DataDirectory,
        ["Mail:Hostname"] = "localhost",
        ["Mail:BindAddress"] = "127.0.0.1",
        ["Mail:AllowPlaintextAuth"] = "true",
        ["Mail:Imap:Port"] = options.ImapPort.ToString(CultureInfo.InvariantCulture),
        ["Mail:Pop3:Port"] = options.Pop3Port.ToString(CultureInfo.InvariantCulture),
        ["Mail:Smtp:Port"] = options.SmtpPort.ToString(CultureInfo.InvariantCulture),
        ["Mail:Imaps:Port"] = "0",
        ["Mail:Pop3s:Port"] = "0",
        ["Mail:Submission:Port"] = "0",
        ["Mail:Submissions:Port"] = "0",
        // The idle-memory probe holds BENCH_IDLE_CONNECTIONS (1,000) IMAP connections beside the others;
        // the default total of 1,000 per listener would refuse some of them.
        ["Mail:Imap:Limits:Total"] = "5000",
        ["Mail:ManageSieve:Port"] = "0",
        ["Logging:LogLevel:Default"] = "Warning",
    },
});

if (!MailEngineHosting.TryAddMailEngine(builder.Services, builder.Configuration, out var why))
{
    Console.Error.WriteLine("PRODUCT-UNAVAILABLE: " + why);
    return ExitEngineUnavailable;
}

using var host = builder.Build();
var admin = host.Services.GetService<IMailEngineAdmin>();
if (admin is null)
{
    Console.Error.WriteLine("PRODUCT-UNAVAILABLE: AddMailEngine registered no IMailEngineAdmin");
    return ExitEngineUnavailable;
}

await host.StartAsync();

// SIGUSR1: a full, compacting garbage collection that returns free memory to the OS. The memory
// probe sends it before each reading, so that it measures what idle sessions keep alive rather than
// garbage the GC has not got to yet (each {ARGON2ID} check allocates 64 MiB). Dovecot has no GC.
const int SigUsr1 = 10;
using var gcSignal = System.Runtime.InteropServices.PosixSignalRegistration.Create((System.Runtime.InteropServices.PosixSignal)SigUsr1, context =>
{
    context.Cancel = true;
    System.Runtime.GCSettings.LargeObjectHeapCompactionMode = System.Runtime.GCLargeObjectHeapCompactionMode.CompactOnce;
    GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
    GC.WaitForPendingFinalizers();
    GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
});
using (var provisioning = new CancellationTokenSource(TimeSpan.FromMinutes(5)))
{
    var users = BenchUsers.Read(options.UsersFile);
    foreach (var domain in users.Select(u => u.Address.Split('@')[1]).Distinct(StringComparer.Ordinal))
        await admin.EnsureDomainAsync(domain, provisioning.Token);
    foreach (var user in users)
    {
        await admin.EnsureMailboxAsync(new MailboxSpec(user.Address, user.PasswordHash, user.QuotaBytes,
            Enabled: true, ImapEnabled: true, Pop3Enabled: true, Pop3RetentionDays: 0), provisioning.Token);
    }
    // The inbound SMTP load sends each message to one alias of several mailboxes (issue 7).
    if (options.Alias is { } alias)
    {
        var (address, destinations) = (alias.Split('=')[0], alias.Split('=')[1].Split(',', StringSplitOptions.RemoveEmptyEntries));
        await admin.EnsureAliasAsync(new AliasSpec(address, destinations), provisioning.Token);
    }
    Console.Error.WriteLine($"provisioned {users.Count} mailbox(es){(options.Alias is null ? "" : " and the alias " + options.Alias)}");
}
// Listeners the engine does not have yet are simply closed ports; the harness skips those loads.
var listening = new Dictionary<string, bool>
{
    ["imap"] = await IsListeningAsync(options.ImapPort),
    ["pop3"] = await IsListeningAsync(options.Pop3Port),
    ["smtp"] = await IsListeningAsync(options.SmtpPort),
};
var corpusMode = "smtp";
if (options.CorpusDirectory is not null && !listening["smtp"])
{
    // No SMTP listener to deliver the corpus through: load it with the engine's delivery API so that
    // IMAP and POP3 still read the same mail as Dovecot.
    if (CorpusPreload.Available)
    {
        using var preload = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        var (delivered, elapsed) = await CorpusPreload.RunAsync(host.Services, options.CorpusDirectory,
            options.CorpusRecipient!.Split(',', StringSplitOptions.RemoveEmptyEntries), 4, preload.Token);
        Console.Error.WriteLine($"corpus preloaded in process: {delivered} messages in {elapsed.TotalSeconds:0.0} s");
        corpusMode = "preloaded";
    }
    else
    {
        corpusMode = "none";
    }
}
// The harness waits for this line before it sends any load.
Console.WriteLine($"READY imap={(listening["imap"] ? options.ImapPort : 0)} pop3={(listening["pop3"] ? options.Pop3Port : 0)} smtp={(listening["smtp"] ? options.SmtpPort : 0)} corpus={corpusMode}");
await host.WaitForShutdownAsync();
return 0;

static async Task<bool> IsListeningAsync(int port)
{
    if (port == 0) return false;
    using var client = new System.Net.Sockets.TcpClient();
    using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
    try
    {
        await client.ConnectAsync(System.Net.IPAddress.Loopback, port, timeout.Token);
        return true;
    }
    catch (Exception ex) when (ex is System.Net.Sockets.SocketException or OperationCanceledException)
    {
        return false;
    }
}

static BenchOptions? ParseArgs(string[] args)
{
    var map = new Dictionary<string, string>(StringComparer.Ordinal);
    for (var i = 0; i + 1 < args.Length; i += 2)
    {
        if (!args[i].StartsWith("--", StringComparison.Ordinal)) return null;
        map[args[i][2..]] = args[i + 1];
    }
    if (args.Length % 2 != 0) return null;
    string[] required = ["data", "users", "imap", "pop3", "smtp"];
    string[] optional = ["corpus", "corpus-rcpt", "alias"];
    if (required.Any(r => !map.ContainsKey(r)) || map.Keys.Any(k => !required.Contains(k) && !optional.Contains(k))) return null;
    if (map.ContainsKey("corpus") != map.ContainsKey("corpus-rcpt")) return null;
    if (map.GetValueOrDefault("alias") is { } a && (a.Split('=').Length != 2 || a.Split('=')[1].Length == 0)) return null;
    return new BenchOptions(Path.GetFullPath(map["data"]), map["users"],
        int.Parse(map["imap"], CultureInfo.InvariantCulture), int.Parse(map["pop3"], CultureInfo.InvariantCulture),
        int.Parse(map["smtp"], CultureInfo.InvariantCulture), map.GetValueOrDefault("corpus"), map.GetValueOrDefault("corpus-rcpt"), map.GetValueOrDefault("alias"));
}

internal sealed record BenchOptions(string DataDirectory, string UsersFile, int ImapPort, int Pop3Port, int SmtpPort,
    string? CorpusDirectory, string? CorpusRecipient, string? Alias = null);

internal sealed record BenchUser(string Address, string PasswordHash, long QuotaBytes);

internal static class BenchUsers
{
    /// <summary>The users file Dovecot's passwd-file is made from: address TAB {ARGON2ID}hash TAB quota bytes.</summary>
    public static List<BenchUser> Read(string path) =>
        File.ReadLines(path)
            .Where(l => l.Length > 0)
            .Select(l => l.Split('\t'))
            .Select(f => new BenchUser(f[0], f[1], long.Parse(f[2], CultureInfo.InvariantCulture)))
            .ToList();
}

/// <summary>
/// Finds the engine's hosting extension, <c>AddMailEngine(IServiceCollection, IConfiguration)</c>,
/// by name in the engine assembly. Looked up at run time rather than called directly so that this
/// harness builds and runs (reporting the product as unavailable) before the engine's hosting code is
/// merged, and needs no change once it is.
/// </summary>
internal static class MailEngineHosting
{
    public static bool TryAddMailEngine(IServiceCollection services, IConfiguration configuration, out string why)
    {
        var assembly = typeof(IMailEngineAdmin).Assembly;
        MethodInfo? method;
        try
        {
            method = assembly.GetExportedTypes()
                .Where(t => t.IsAbstract && t.IsSealed) // static classes
                .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Static))
                .FirstOrDefault(m => m.Name == "AddMailEngine" && Matches(m.GetParameters()));
        }
        catch (ReflectionTypeLoadException ex)
        {
            why = "cannot load the engine's types: " + ex.Message;
            return false;
        }
        if (method is null)
        {
            why = $"{assembly.GetName().Name} has no AddMailEngine(IServiceCollection, IConfiguration) yet (engine not merged)";
            return false;
        }
        var arguments = new object?[method.GetParameters().Length];
        arguments[0] = services;
        arguments[1] = configuration;
        for (var i = 2; i < arguments.Length; i++) arguments[i] = Type.Missing; // optional extras keep their defaults
        method.Invoke(null, BindingFlags.OptionalParamBinding, null, arguments, CultureInfo.InvariantCulture);
        why = "";
        return true;
    }

    /// <summary>(IServiceCollection, IConfiguration or a base of it, then only optional parameters).</summary>
    private static bool Matches(ParameterInfo[] p) =>
        p.Length >= 2
        && p[0].ParameterType == typeof(IServiceCollection)
        && p[1].ParameterType.IsAssignableFrom(typeof(ConfigurationManager))
        && p.Skip(2).All(x => x.IsOptional);
}
