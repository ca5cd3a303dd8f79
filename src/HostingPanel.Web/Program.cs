using System.Net.Sockets;
using HostingPanel.Web.Hosting;
using HostingPanel.Web.Hosting.Backup;

// `backup --to DIR` and `restore --from DIR` run instead of the server (README, "Backup and restore").
if (BackupCommand.IsCommand(args)) return BackupCommand.Run(args);

try
{
    var app = PanelHost.Build(args);
    await PanelHost.StartAsync(app);
    await app.WaitForShutdownAsync();
    return 0;
}
catch (Exception e) when (StartupFailure.Explain(e) is { } explanation)
{
    // One clear line that says what to fix, not a stack trace.
    Console.Error.WriteLine($"HostingPanel cannot start: {explanation}");
    return 1;
}

/// <summary>Exposed so that tests can host the real application.</summary>
public partial class Program;

internal static class StartupFailure
{
    public static string? Explain(Exception e)
    {
        for (var x = e; x is not null; x = x.InnerException)
        {
            switch (x)
            {
                case StartupProblem p:
                    return p.Message;
                case HostingPanel.MailEngine.Listeners.FileDescriptorBudgetException f:
                    return f.Message;
                case HostingPanel.MailEngine.Storage.Blobs.BlobStorageConfigurationException b:
                    return b.Message;
                case SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse }:
                case Microsoft.AspNetCore.Connections.AddressInUseException:
                    return $"a port is already in use ({x.Message}); stop the other program or choose another port (Urls, Mail:*:Port).";
                case SocketException { SocketErrorCode: SocketError.AccessDenied }:
                    return $"not allowed to listen on a port ({x.Message}); ports below 1024 need root or CAP_NET_BIND_SERVICE.";
            }
        }
        return null;
    }
}
