using BenchmarkDotNet.Running;

// dotnet run -c Release --project bench/Micro -- --filter '*' [--job short]
BenchmarkSwitcher.FromAssembly(typeof(HostingPanel.Bench.Micro.MimeCachingBenchmarks).Assembly).Run(args);
