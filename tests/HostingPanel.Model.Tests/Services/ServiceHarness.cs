using HostingPanel.Application;
using HostingPanel.Application.Common;
using HostingPanel.Data;
using HostingPanel.Data.Identity;
using HostingPanel.Migrations.PostgreSql;
using HostingPanel.Migrations.Sqlite;
using HostingPanel.Testing;
using HostingPanel.Provisioning;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace HostingPanel.Model.Tests.Services;

public enum Provider { Sqlite, PostgreSql }

/// <summary>
/// The application services on a real, freshly migrated database of either provider, with real
/// Identity and the engine's password hasher; each scope acts as one actor.
/// </summary>
public sealed class ServiceHarness : IAsyncDisposable
{
    private readonly ServiceProvider _root;
    private readonly string? _sqliteFile;
    private readonly string? _postgresDatabase;

    private ServiceHarness(ServiceProvider root, string? sqliteFile, string? postgresDatabase)
    {
        _root = root;
        _sqliteFile = sqliteFile;
        _postgresDatabase = postgresDatabase;
    }

    public static async Task<ServiceHarness> StartAsync(Provider provider)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        string? file = null, database = null;
        if (provider == Provider.Sqlite)
        {
            file = Path.Combine(Path.GetTempPath(), $"hp-model-{Guid.NewGuid():N}.db");
            services.AddDbContext<SqlitePanelDbContext>(o => o.UseSqlite($"Data Source={file}"));
            services.AddScoped<HostingPanelDbContext>(sp => sp.GetRequiredService<SqlitePanelDbContext>());
        }
        else
        {
            var server = TestEnvironment.RequirePostgres();
            database = $"hp_model_{Guid.NewGuid():N}";
            var cs = new NpgsqlConnectionStringBuilder(server) { Database = database }.ToString();
            services.AddDbContext<PostgreSqlPanelDbContext>(o => o.UseNpgsql(cs));
            services.AddScoped<HostingPanelDbContext>(sp => sp.GetRequiredService<PostgreSqlPanelDbContext>());
        }
        services.AddScoped<ActorHolder>();
        services.AddScoped<IActorAccessor>(sp => sp.GetRequiredService<ActorHolder>());
        services.AddScoped<ITenantScopeAccessor>(sp => sp.GetRequiredService<ActorHolder>());
        services.AddScoped<IActorOverride>(sp => sp.GetRequiredService<ActorHolder>());
        services.AddSingleton<IOutboxSignal, NoOutboxSignal>();
        services.AddSingleton(new HostingPanel.MailEngine.Auth.PasswordCheckPool(2));
        services.AddSingleton<IMailboxPasswordHasher, DovecotMailboxPasswordHasher>();
        services.AddPanelApplication();
        services.AddIdentityCore<AppUser>(o =>
            {
                o.Password.RequiredLength = ValidationRules.MinPasswordLength;
                o.Password.RequireDigit = o.Password.RequireLowercase = o.Password.RequireUppercase = o.Password.RequireNonAlphanumeric = false;
            })
            .AddRoles<IdentityRole>()
            .AddEntityFrameworkStores<HostingPanelDbContext>();

        var root = services.BuildServiceProvider();
        await using (var scope = root.CreateAsyncScope())
        {
            scope.ServiceProvider.GetRequiredService<ActorHolder>().Actor = Actor.System;
            await scope.ServiceProvider.GetRequiredService<HostingPanelDbContext>().Database.MigrateAsync();
            var roles = scope.ServiceProvider.GetRequiredService<RoleManager<IdentityRole>>();
            foreach (var role in Roles.All) await roles.CreateAsync(new IdentityRole(role));
        }
        return new ServiceHarness(root, file, database);
    }

    /// <summary>A scope whose services act as <paramref name="actor"/>.</summary>
    public AsyncServiceScope As(Actor actor)
    {
        var scope = _root.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<ActorHolder>().Actor = actor;
        return scope;
    }

    public static readonly Actor Admin = new("admin-id", "admin@example.com", Roles.Admin);
    public static readonly Actor Support = new("support-id", "support@example.com", Roles.Support);
    public static Actor ResellerActor(Guid id) => new($"reseller-{id}", $"reseller-{id}@example.com", Roles.Reseller, ResellerId: id);
    public static Actor CustomerActor(Guid id) => new($"customer-{id}", $"customer-{id}@example.com", Roles.Customer, CustomerId: id);

    public async ValueTask DisposeAsync()
    {
        await _root.DisposeAsync();
        if (_sqliteFile is not null)
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            foreach (var f in new[] { _sqliteFile, _sqliteFile + "-wal", _sqliteFile + "-shm" }) File.Delete(f);
        }
        if (_postgresDatabase is not null)
        {
            NpgsqlConnection.ClearAllPools();
            await using var conn = new NpgsqlConnection(TestEnvironment.PostgresConnectionString);
            await conn.OpenAsync();
            await using var cmd = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{_postgresDatabase}\" WITH (FORCE)", conn);
            await cmd.ExecuteNonQueryAsync();
        }
    }

    private sealed class ActorHolder : IActorAccessor, ITenantScopeAccessor, IActorOverride
    {
        public void Use(Actor actor) => Actor = actor;
        public Actor Actor { get; set; } = Actor.System;
        public TenantScope Scope => Actor.Scope;
    }
}
