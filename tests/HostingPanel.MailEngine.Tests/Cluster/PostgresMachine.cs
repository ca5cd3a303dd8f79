using HostingPanel.Testing;
using System.Diagnostics;
using Npgsql;

namespace HostingPanel.MailEngine.Tests.Cluster;

/// <summary>
/// A PostgreSQL server of its own (Debian's postgresql package, the newest installed major version) on a machine of
/// a <see cref="NetworkLab"/>, with fsync on, that a test can stop and start again under load. It runs as the
/// postgres user (initdb and the server refuse root) and trusts only the lab's network.
/// </summary>
public sealed class PostgresMachine : IAsyncDisposable
{
    private const int Port = 5432;
    private readonly NetworkLab.Machine _machine;
    private readonly string _directory;
    private readonly string _bin;

    private PostgresMachine(NetworkLab.Machine machine, string directory, string bin)
    {
        _machine = machine;
        _directory = directory;
        _bin = bin;
    }

    /// <summary>A connection string to the database <c>mail</c>, which <see cref="StartAsync"/> created.</summary>
    public string ConnectionString => new NpgsqlConnectionStringBuilder
    {
        Host = _machine.Address.ToString(),
        Port = Port,
        Username = "postgres",
        Database = "mail",
        Timeout = 5,
    }.ConnectionString;

    public static async Task<PostgresMachine> StartAsync(NetworkLab lab, NetworkLab.Machine machine)
    {
        var versions = System.IO.Directory.Exists("/usr/lib/postgresql") ? System.IO.Directory.GetDirectories("/usr/lib/postgresql") : [];
        var bin = versions.Select(v => Path.Combine(v, "bin")).Where(b => File.Exists(Path.Combine(b, "initdb")))
            .OrderBy(b => int.TryParse(Path.GetFileName(Path.GetDirectoryName(b)), out var major) ? major : 0).LastOrDefault();
        TestEnvironment.Require(bin is not null, "PostgreSQL's server binaries are not installed: apt-get install postgresql (.ci/run does)");
        var directory = Path.Combine(Path.GetTempPath(), "hp-pg-" + Guid.NewGuid().ToString("N")[..8]);
        System.IO.Directory.CreateDirectory(directory);
        var server = new PostgresMachine(machine, directory, bin!);
        try
        {
            await NetworkLab.RunAsync("chown", "postgres:postgres", directory);
            await NetworkLab.RunAsync(server.AsPostgres(Path.Combine(bin!, "initdb"), "-D", server.Data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"));
            await File.AppendAllTextAsync(Path.Combine(server.Data, "pg_hba.conf"), $"host all all {lab.Network} trust\n");
            await server.StartServerAsync();
            await using (var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(server.ConnectionString) { Database = "postgres" }.ConnectionString))
            {
                await connection.OpenAsync();
                await using var create = new NpgsqlCommand("CREATE DATABASE mail", connection);
                await create.ExecuteNonQueryAsync();
            }
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    private string Data => Path.Combine(_directory, "data");

    /// <summary>A fast shutdown (clients' sessions end, as when the database restarts), then up again.</summary>
    public async Task RestartAsync(TimeSpan down)
    {
        await StopServerAsync();
        await Task.Delay(down);
        await StartServerAsync();
    }

    /// <summary>pg_ctl starts the server in the background inside the machine's namespace and waits until it accepts connections.</summary>
    private Task StartServerAsync() => NetworkLab.RunAsync(AsPostgres(Path.Combine(_bin, "pg_ctl"), "start", "-w", "-t", "60", "-D", Data,
        "-l", Path.Combine(_directory, "server.log"),
        "-o", $"-c listen_addresses={_machine.Address} -c port={Port} -c unix_socket_directories={_directory} -c fsync=on -c synchronous_commit=on -c max_connections=300"));

    private Task StopServerAsync() => NetworkLab.RunAsync(AsPostgres(Path.Combine(_bin, "pg_ctl"), "stop", "-w", "-t", "60", "-m", "fast", "-D", Data));

    /// <summary>Runs a PostgreSQL program inside the machine as the postgres user (setpriv execs it: no process stays between).</summary>
    private ProcessStartInfo AsPostgres(string program, params string[] args) =>
        _machine.Command("setpriv", ["--reuid=postgres", "--regid=postgres", "--init-groups", program, .. args]);

    public async ValueTask DisposeAsync()
    {
        try { await StopServerAsync(); } catch (Exception) { }
        try { System.IO.Directory.Delete(_directory, recursive: true); } catch (Exception) { }
    }
}
