using HostingPanel.Data;
using HostingPanel.Migrations.PostgreSql;
using HostingPanel.Migrations.Sqlite;
using Microsoft.EntityFrameworkCore;
using HostingPanel.MailEngine.Storage;

namespace HostingPanel.Web.Hosting;

public static class DatabaseSetup
{
    /// <summary>Registers the provider's context as <see cref="HostingPanelDbContext"/>, scoped to the current actor's tenants.</summary>
    public static IServiceCollection AddPanelDatabase(this IServiceCollection services, PanelSettings settings)
    {
        services.AddSingleton<CredentialEpoch>();
        services.AddSingleton<CredentialChangeInterceptor>();
        if (settings.Provider == DatabaseProvider.Sqlite)
        {
            services.AddDbContext<SqlitePanelDbContext>((sp, o) => o.UseSqlite(settings.PanelConnectionString)
                .AddInterceptors(sp.GetRequiredService<CredentialChangeInterceptor>()));
            services.AddScoped<HostingPanelDbContext>(sp => sp.GetRequiredService<SqlitePanelDbContext>());
        }
        else
        {
            services.AddDbContext<PostgreSqlPanelDbContext>((sp, o) => o.UseNpgsql(settings.PanelConnectionString)
                .AddInterceptors(sp.GetRequiredService<CredentialChangeInterceptor>()));
            services.AddScoped<HostingPanelDbContext>(sp => sp.GetRequiredService<PostgreSqlPanelDbContext>());
        }
        return services;
    }

    /// <summary>Applies migrations; on SQLite switches the file to WAL so readers do not block the writer.</summary>
    public static async Task MigrateAsync(HostingPanelDbContext db, PanelSettings settings, CancellationToken ct)
    {
        try
        {
            if (settings.Provider == DatabaseProvider.Sqlite)
                await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", ct);
            await db.Database.MigrateAsync(ct);
        }
        catch (Exception e) when (settings.Provider == DatabaseProvider.PostgreSql && e is Npgsql.NpgsqlException or System.Net.Sockets.SocketException or InvalidOperationException)
        {
            var cs = new Npgsql.NpgsqlConnectionStringBuilder(settings.PanelConnectionString);
            throw new StartupProblem($"Cannot reach PostgreSQL at {cs.Host}:{cs.Port} database '{cs.Database}' ({e.GetBaseException().Message}); start it or fix ConnectionStrings:Panel.", e);
        }
        catch (Microsoft.Data.Sqlite.SqliteException e)
        {
            throw new StartupProblem($"Cannot open the SQLite database ({e.Message}); check ConnectionStrings:Panel and Storage:DataDirectory.", e);
        }
    }
}
