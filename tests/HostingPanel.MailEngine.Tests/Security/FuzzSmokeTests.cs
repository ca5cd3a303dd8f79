using System.Diagnostics;
using System.Text.RegularExpressions;

namespace HostingPanel.MailEngine.Tests.Security;

/// <summary>
/// CI's short run of every fuzz target (bench/fuzz.sh is the long one): the fuzz program copied to a
/// temporary folder, the engine and data assemblies instrumented by SharpFuzz there, then each target
/// for a fixed number of executions from its checked-in corpus (the RFC seeds and every regression
/// input a finding ever left there, all replayed first) with a fixed seed. No wall clock decides
/// anything: the same commit always gives the same result, so CI never fails by the luck of the draw
/// (bench/fuzz.sh is the time-boxed random search). A finding fails the test and prints the input as a
/// C# string.
/// </summary>
public sealed class FuzzSmokeTests(FuzzSmokeTests.InstrumentedCopy copy, ITestOutputHelper output) : IClassFixture<FuzzSmokeTests.InstrumentedCopy>
{
    private const int Seed = 20261127;

    // Executions per target: about 4 s each on the shared 2-core machine (Debug build).
    [Theory]
    [InlineData("imap", 2_500)]
    [InlineData("pop3", 12_000)]
    [InlineData("smtp", 20_000)]
    [InlineData("mutf7", 20_000)]
    [InlineData("address", 25_000)]
    public async Task ShortRun_FindsNothing_WithCoverage(string target, int runs)
    {
        var (exit, text) = await InstrumentedCopy.RunAsync(copy.Directory, "run", target, "--runs", runs.ToString(), "--slow-ms", "0", "--seed", Seed.ToString(), "--max-len", "2048");
        output.WriteLine(text);
        Assert.True(exit == 0, text);
        var summary = Regex.Match(text, @"execs=(\d+) .* edges=(\d+) instrumented=(\w+) findings=0");
        Assert.True(summary.Success, text);
        Assert.Equal("yes", summary.Groups[3].Value);
        Assert.True(long.Parse(summary.Groups[1].Value) >= runs, "the run stopped early: " + text);
        Assert.True(int.Parse(summary.Groups[2].Value) > 50, "coverage map barely written: " + text);
    }

    /// <summary>The fuzz program's build output, copied and instrumented once for the class.</summary>
    public sealed class InstrumentedCopy : IAsyncLifetime
    {
        public string Directory { get; } = Path.Combine(Path.GetTempPath(), "hp-fuzz-" + Guid.NewGuid().ToString("N")[..8]);

        public async ValueTask InitializeAsync()
        {
            var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
            var configuration = output.Parent!.Name;
            var tests = output.Parent.Parent!.Parent!.Parent!.FullName;
            var built = Path.Combine(tests, "HostingPanel.Fuzz", "bin", configuration, output.Name);
            Assert.True(File.Exists(Path.Combine(built, "HostingPanel.Fuzz.dll")), "fuzz program not built at " + built);
            CopyTree(built, Directory);
            var (exit, text) = await RunAsync(Directory, "instrument", Directory);
            Assert.True(exit == 0, text);
        }

        public ValueTask DisposeAsync()
        {
            try { System.IO.Directory.Delete(Directory, recursive: true); } catch (IOException) { }
            return ValueTask.CompletedTask;
        }

        internal static async Task<(int Exit, string Output)> RunAsync(string directory, params string[] args)
        {
            var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = directory };
            start.ArgumentList.Add(Path.Combine(directory, "HostingPanel.Fuzz.dll"));
            foreach (var a in args)
                start.ArgumentList.Add(a);
            using var process = Process.Start(start)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
            await process.WaitForExitAsync(timeout.Token);
            return (process.ExitCode, await stdout + await stderr);
        }

        private static void CopyTree(string from, string to)
        {
            foreach (var dir in System.IO.Directory.EnumerateDirectories(from, "*", SearchOption.AllDirectories))
                System.IO.Directory.CreateDirectory(dir.Replace(from, to));
            System.IO.Directory.CreateDirectory(to);
            foreach (var file in System.IO.Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
                File.Copy(file, file.Replace(from, to));
        }
    }
}
