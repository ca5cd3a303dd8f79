using Xunit;

namespace HostingPanel.Testing;

/// <summary>
/// What the machine offers the tests. A test that needs PostgreSQL, Chromium or a Debian mail client
/// skips with the reason when it is absent on a developer machine; CI sets HOSTINGPANEL_TESTS_MANDATORY=1,
/// which turns every such skip into a failure.
/// </summary>
public static class TestEnvironment
{
    /// <summary>Connection string of a PostgreSQL server the tests may create databases on.</summary>
    public static string? PostgresConnectionString => Environment.GetEnvironmentVariable("HOSTINGPANEL_TEST_POSTGRES");

    public static bool Mandatory => Environment.GetEnvironmentVariable("HOSTINGPANEL_TESTS_MANDATORY") == "1";

    public static string ChromiumPath =>
        Environment.GetEnvironmentVariable("HOSTINGPANEL_TEST_CHROMIUM") ?? "/usr/lib/chromium/chromium";

    /// <summary>Skips (or fails, when mandatory) unless PostgreSQL is configured; returns its connection string.</summary>
    public static string RequirePostgres()
    {
        var cs = PostgresConnectionString;
        if (string.IsNullOrWhiteSpace(cs))
            Unavailable("PostgreSQL is not configured: set HOSTINGPANEL_TEST_POSTGRES to a connection string (.ci/run does)");
        return cs!;
    }

    public static string RequireChromium()
    {
        if (!File.Exists(ChromiumPath))
            Unavailable($"Chromium is not installed at {ChromiumPath}: apt-get install chromium (.ci/run does)");
        return ChromiumPath;
    }

    /// <summary>Skips (or fails, when mandatory) unless an executable is on PATH; returns its full path.</summary>
    public static string RequireTool(string name, string debianPackage)
    {
        var path = (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, name))
            .FirstOrDefault(File.Exists);
        if (path is null)
            Unavailable($"{name} is not installed: apt-get install {debianPackage} (.ci/run does)");
        return path!;
    }

    /// <summary>Skips with <paramref name="reason"/> (fails under HOSTINGPANEL_TESTS_MANDATORY=1) unless <paramref name="available"/>.</summary>
    public static void Require(bool available, string reason)
    {
        if (!available)
            Unavailable(reason);
    }

    private static void Unavailable(string reason)
    {
        if (Mandatory)
            Assert.Fail($"Required by HOSTINGPANEL_TESTS_MANDATORY=1: {reason}");
        Assert.Skip(reason);
    }
}
