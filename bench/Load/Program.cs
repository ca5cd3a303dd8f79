using System.Globalization;
using HostingPanel.Bench.Load;
using HostingPanel.Bench.Load.Corpus;
using HostingPanel.Bench.Load.Report;
using HostingPanel.Bench.Load.Workloads;

CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;

const string Usage = """
    hp-bench VERB [--option value ...]   (bench/README.md has the details)

      corpus    --out DIR [--count 2000] [--seed 20261127]
      deliver   --server NAME --proto lmtp|smtp --port P --rcpt ADDR[,ADDR...] --corpus DIR [--clients 4] [--timeout 600] --results FILE
      inbound   --server NAME --proto lmtp|smtp --port P --rcpt ADDR[,ADDR...] --size BYTES [--clients 8] [--duration 10] [--mailboxes 3] --results FILE
      pop3      --server NAME --port P --users U1[,U2...] --password PW [--clients 1] [--timeout 300] --results FILE
      imap      --server NAME --port P --user U --password PW [--clients 4] [--duration 20] [--mix "select=1,fetch-meta=4,..."] --results FILE
      login     --server NAME --port P --users U1,U2,... --password PW [--clients 4] [--duration 10] --results FILE
      memprobe  --server NAME --proto imap|pop3 --port P --users U1[,U2...] --password PW --pid SERVER_PID [--connections 200] --results FILE
      idle      --server NAME --imap-port P --delivery-port P --proto lmtp|smtp --user U --password PW [--idlers 50] [--count 20] --results FILE
      check     --server NAME --imap-port P --pop3-port P --user U --password PW --results FILE   (both servers hold the same mail)
      placeholder --key K --label TEXT --unit U --product TEXT --dovecot TEXT --results FILE   (a row with no figures yet)
      report    --results FILE --out docs/benchmarks.md --command "bench/run.sh all" [--product-missing TEXT] [--product-revision TEXT]
      splice    --out docs/benchmarks.md --section micro --from FILE.md --command TEXT   (BenchmarkDotNet table)
    """;

if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
{
    Console.WriteLine(Usage);
    return args.Length == 0 ? 2 : 0;
}

try
{
    var verb = args[0];
    var options = new Options(args.Skip(1));
    switch (verb)
    {
        case "corpus":
        {
            var outDir = options.String("out");
            var count = options.Int("count", 2000);
            var seed = options.Int("seed", 20261127);
            options.EnsureAllRead();
            var entries = new CorpusGenerator(count, seed).WriteTo(outDir);
            var bytes = entries.Sum(e => (long)e.Size);
            Console.Error.WriteLine($"corpus: {entries.Count} messages, {bytes / 1048576.0:0.0} MiB, {entries.Min(e => e.Size)}..{entries.Max(e => e.Size)} bytes; " +
                string.Join(", ", entries.GroupBy(e => e.Kind).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key} {g.Count()}")));
            return 0;
        }
        case "report":
            MarkdownReport.Write(options);
            return 0;
        case "splice":
            MarkdownReport.Splice(options);
            return 0;
    }

    var resultsPath = options.String("results");
    List<BenchResult> results = verb switch
    {
        "deliver" => await DeliveryWorkload.RunAsync(options),
        "inbound" => await InboundWorkload.RunAsync(options),
        "pop3" => await Pop3Workload.RunAsync(options),
        "imap" => await ImapWorkload.RunAsync(options),
        "login" => await LoginWorkload.RunAsync(options),
        "memprobe" => await MemoryProbe.RunAsync(options),
        "idle" => await IdleLatencyWorkload.RunAsync(options),
        "placeholder" => Placeholder(options),
        "check" => await ParityCheck.RunAsync(options),
        _ => throw new ArgumentException($"unknown verb '{verb}'"),
    };
    BenchResult.Append(resultsPath, results);
    foreach (var r in results)
        Console.WriteLine($"{r.Server,-8} {r.Label}: {r.Display}{(r.Note is null ? "" : "  [" + r.Note + "]")}");
    return results.Any(r => r.Value is null && verb != "placeholder") ? 1 : 0;
}
catch (ArgumentException ex)
{
    Console.Error.WriteLine("hp-bench: " + ex.Message);
    Console.Error.WriteLine(Usage);
    return 2;
}

static List<BenchResult> Placeholder(Options o)
{
    var key = o.String("key");
    var label = o.String("label");
    var unit = o.String("unit");
    var product = o.String("product");
    var dovecot = o.String("dovecot");
    o.EnsureAllRead();
    return
    [
        new BenchResult { Key = key, Label = label, Server = "product", Unit = unit, Display = product, HigherIsBetter = unit.Contains("/s", StringComparison.Ordinal) },
        new BenchResult { Key = key, Label = label, Server = "dovecot", Unit = unit, Display = dovecot, HigherIsBetter = unit.Contains("/s", StringComparison.Ordinal) },
    ];
}
