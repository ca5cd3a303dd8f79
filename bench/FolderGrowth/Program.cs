using System.Diagnostics;
using System.Globalization;
using System.Text;
using HostingPanel.Bench.FolderGrowth;
using HostingPanel.MailEngine.Hosting;
using HostingPanel.MailEngine.Listeners;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

// hp-bench-folders --sizes 1000,10000,100000 [--postgres CONNECTION] [--repeat 5] --csv FILE --md FILE
// Runs the curve on SQLite, and on PostgreSQL too when a server is given (a throwaway database is
// created in it and dropped afterwards).
var options = args.Select((a, i) => (a, i)).Where(x => x.a.StartsWith("--", StringComparison.Ordinal) && x.i + 1 < args.Length)
    .ToDictionary(x => x.a[2..], x => args[x.i + 1]);
var sizes = (options.GetValueOrDefault("sizes") ?? "1000,10000,100000").Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToList();
var repeat = int.Parse(options.GetValueOrDefault("repeat") ?? "5", CultureInfo.InvariantCulture);
var csvPath = options.GetValueOrDefault("csv") ?? "folder-growth.csv";
var mdPath = options.GetValueOrDefault("md") ?? "folder-growth.md";
var providers = new List<string> { "Sqlite" };
if (options.GetValueOrDefault("postgres") is { Length: > 0 })
    providers.Add("PostgreSql");

var rows = new List<GrowthRow>();
var seedTimes = new List<string>();
foreach (var provider in providers)
{
    var directory = Path.Combine(Path.GetTempPath(), "hp-growth-" + Guid.NewGuid().ToString("N"));
    System.IO.Directory.CreateDirectory(directory);
    string? database = null;
    var settings = new Dictionary<string, string?>
    {
        ["Storage:DataDirectory"] = directory,
        ["Mail:Hostname"] = "localhost",
        ["Mail:BindAddress"] = "127.0.0.1",
        ["Mail:AllowPlaintextAuth"] = "true",
        ["Mail:Imap:Port"] = "-1",
        ["Mail:Imaps:Port"] = "0",
        ["Mail:Pop3:Port"] = "0",
        ["Mail:Pop3s:Port"] = "0",
        ["Mail:Smtp:Port"] = "0",
        ["Mail:Submission:Port"] = "0",
        ["Mail:Submissions:Port"] = "0",
        ["Mail:ManageSieve:Port"] = "0",
        ["Logging:LogLevel:Default"] = "Warning",
    };
    if (provider == "PostgreSql")
    {
        database = "hp_growth_" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        await PostgresDatabase.CreateAsync(options["postgres"], database);
        settings["Database:Provider"] = "PostgreSql";
        settings["ConnectionStrings:Mail"] = options["postgres"] + ";Database=" + database;
    }

    var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
    builder.Configuration.AddInMemoryCollection(settings);
    builder.Services.AddMailEngine(builder.Configuration);
    using var host = builder.Build();
    await host.StartAsync();
    try
    {
        var port = host.Services.GetRequiredService<IMailListenerRegistry>().GetPort("imap") ?? throw new InvalidOperationException("no IMAP listener");
        foreach (var size in sizes)
        {
            var address = $"g{size}@growth.test";
            var watch = Stopwatch.StartNew();
            var (_, folderId) = await FolderSeeder.SeedAsync(host.Services, address, size);
            seedTimes.Add($"{provider} {size:N0}: seeded in {watch.Elapsed.TotalSeconds:0.0} s");
            Console.Error.WriteLine(seedTimes[^1]);
            var measured = await new GrowthRun(host.Services, port, provider, repeat).RunAsync(address, size, folderId);
            foreach (var row in measured)
                Console.Error.WriteLine($"  {row.Operation}: {row.MedianMs:0.0} / {row.MaxMs:0.0}");
            rows.AddRange(measured);
        }
    }
    finally
    {
        await host.StopAsync();
        if (database is not null)
            await PostgresDatabase.DropAsync(options["postgres"], database);
        try { System.IO.Directory.Delete(directory, recursive: true); } catch (IOException) { }
    }
}

// Plot-ready CSV: one line per provider, size and operation.
var csv = new StringBuilder("provider,messages,operation,median_ms,max_ms\n");
foreach (var r in rows)
    csv.Append(CultureInfo.InvariantCulture, $"{r.Provider},{r.Messages},\"{r.Operation}\",{r.MedianMs:0.00},{r.MaxMs:0.00}\n");
await File.WriteAllTextAsync(csvPath, csv.ToString());

// The table: one line per operation and provider, one column per folder size (median, slowest in brackets).
var md = new StringBuilder();
md.Append("| operation | database | ").Append(string.Join(" | ", sizes.Select(s => s.ToString("N0", CultureInfo.InvariantCulture) + " messages"))).Append(" |\n");
md.Append("|---|---|").Append(string.Concat(sizes.Select(_ => "---|"))).Append('\n');
foreach (var group in rows.GroupBy(r => (r.Operation, r.Provider)))
{
    md.Append(CultureInfo.InvariantCulture, $"| {group.Key.Operation} | {group.Key.Provider} | ");
    md.Append(string.Join(" | ", sizes.Select(s => group.FirstOrDefault(r => r.Messages == s) is { } r
        ? string.Create(CultureInfo.InvariantCulture, $"{r.MedianMs:0.0} ({r.MaxMs:0.0})") : "n/a")));
    md.Append(" |\n");
}
md.Append('\n').Append(string.Join("; ", seedTimes)).Append(".\n");
await File.WriteAllTextAsync(mdPath, md.ToString());
Console.Error.WriteLine($"wrote {csvPath} and {mdPath}");
return 0;
