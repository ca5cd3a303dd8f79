using SharpFuzz;

namespace HostingPanel.Fuzz;

/// <summary>
/// Rewrites the project's assemblies in a copied output folder with SharpFuzz's instrumentation (the
/// library call the SharpFuzz.CommandLine tool makes), so the targets report edge coverage. Runs in
/// a process that has not loaded them yet.
/// </summary>
internal static class Instrumenter
{
    private static readonly string[] Assemblies = ["HostingPanel.MailEngine.dll", "HostingPanel.Data.dll"];

    public static int Run(string directory)
    {
        foreach (var name in Assemblies)
        {
            var path = Path.Combine(directory, name);
            var marker = path + ".instrumented";
            if (File.Exists(marker))
                continue;
            var types = Fuzzer.Instrument(path, type => type.StartsWith("HostingPanel.", StringComparison.Ordinal), SharpFuzz.Options.Value);
            File.WriteAllText(marker, string.Join(Environment.NewLine, types));
            Console.WriteLine($"instrumented {name}: {types.Count()} types");
        }
        return 0;
    }
}
