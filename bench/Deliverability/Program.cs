using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using HostingPanel.Bench.Deliverability;
using HostingPanel.Testing;

// hp-bench-delivery dkim [--messages N]
// hp-bench-delivery throughput [--messages N] [--clients C] [--size BYTES] [--rounds R] [--variants base,observed,rspamd]
var mode = args.FirstOrDefault() ?? "throughput";
int Arg(string name, int fallback)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
}
string StringArg(string name, string fallback)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
}

if (mode == "dkim")
{
    var n = Arg("--messages", 2000);
    await using var engine = await BenchEngine.StartAsync(new());
    var result = await DkimCost.MeasureAsync(engine, n, Arg("--size", 10_240));
    Console.WriteLine(result);
    return 0;
}

var messages = Arg("--messages", 2000);
var clients = Arg("--clients", 4);
var size = Arg("--size", 10_240);
var rounds = Arg("--rounds", 3);
var variants = StringArg("--variants", "base,observed,rspamd").Split(',', StringSplitOptions.RemoveEmptyEntries);
RspamdServer? rspamd = null;
if (variants.Contains("rspamd"))
{
    Console.Error.WriteLine("starting rspamd (20-60 s) ...");
    rspamd = await RspamdServer.StartAsync();
}
var results = variants.ToDictionary(v => v, _ => new List<double>());
try
{
    for (var round = 0; round < rounds; round++)
    {
        // Alternate the order each round, so a machine getting busier or quieter does not favour one variant.
        var order = round % 2 == 0 ? variants : variants.Reverse().ToArray();
        foreach (var variant in order)
        {
            var settings = new Dictionary<string, string?>
            {
                // "base": no delivery log lines and nobody listening to the meters, the cost of neither.
                ["Mail:DeliveryLog:Enabled"] = variant == "base" ? "false" : "true",
                ["Mail:Rspamd:Url"] = variant == "rspamd" ? rspamd!.Url : null,
            };
            using var listener = variant == "base" ? null : MetricsListener.Start();
            await using var engine = await BenchEngine.StartAsync(settings);
            var rate = await SmtpLoad.RunAsync(engine, messages, clients, size);
            results[variant].Add(rate);
            Console.Error.WriteLine($"round {round + 1} {variant}: {rate:0.0} msg/s{(listener is null ? "" : $" ({listener.Measurements} measurements seen)")}");
        }
    }
}
finally
{
    if (rspamd is not null)
        await rspamd.DisposeAsync();
}

Console.WriteLine($"| variant | msg/s per round | median msg/s | vs base |");
Console.WriteLine("|---|---|---|---|");
var baseMedian = results.TryGetValue("base", out var b) ? Median(b) : double.NaN;
foreach (var (variant, rates) in results)
    Console.WriteLine($"| {variant} | {string.Join(", ", rates.Select(r => r.ToString("0.0", CultureInfo.InvariantCulture)))} | {Median(rates):0.0} | {(Median(rates) / baseMedian - 1) * 100:+0.0;-0.0} % |");
return 0;

static double Median(List<double> values)
{
    var sorted = values.Order().ToList();
    return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
}
