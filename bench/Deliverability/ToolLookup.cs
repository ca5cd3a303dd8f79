namespace HostingPanel.Testing;

/// <summary>The one member of the tests' TestEnvironment that <c>RspamdServer</c> uses, without xunit: a missing tool stops the benchmark.</summary>
public static class TestEnvironment
{
    public static string RequireTool(string name, string debianPackage) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, name)).FirstOrDefault(File.Exists)
        ?? throw new InvalidOperationException($"{name} is not installed: apt-get install {debianPackage}");
}
