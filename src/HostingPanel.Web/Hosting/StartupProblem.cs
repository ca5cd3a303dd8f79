namespace HostingPanel.Web.Hosting;

/// <summary>A start-up failure the operator can fix; Program prints its message as one line, without a stack trace.</summary>
public sealed class StartupProblem(string message, Exception? inner = null) : Exception(message, inner);
