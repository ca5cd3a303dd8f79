// Provisioning benchmarks against the real product (bench/run.sh provisioning runs both):
//   hp-bench-provisioning PRODUCT_DLL [COUNT]                                    latency, default 50 mailboxes
//   hp-bench-provisioning PRODUCT_DLL --scale COUNT [--clients C] [--postgres CONNECTION_STRING] [--batch LINES]
// Bounded: every wait has a deadline; the product and any database it made are removed at the end.
using HostingPanel.Bench.Provisioning;

if (args.Length == 0) throw new ArgumentException("usage: hp-bench-provisioning PRODUCT_DLL [COUNT] | PRODUCT_DLL --scale COUNT [--clients C] [--postgres CONN]");
var productDll = Path.GetFullPath(args[0]);
string? Option(string name) => Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;

if (Option("--scale") is { } scale)
    await ScaleRun.RunAsync(productDll, int.Parse(scale), int.Parse(Option("--clients") ?? "8"), Option("--postgres"), int.Parse(Option("--batch") ?? "0"));
else
    await LatencyRun.RunAsync(productDll, args.Length > 1 ? int.Parse(args[1]) : 50);
