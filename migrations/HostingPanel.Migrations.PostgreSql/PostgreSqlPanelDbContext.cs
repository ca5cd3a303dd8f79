using HostingPanel.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace HostingPanel.Migrations.PostgreSql;

/// <summary>The panel's database on PostgreSQL (`Database:Provider=PostgreSql`).</summary>
public sealed class PostgreSqlPanelDbContext(DbContextOptions<PostgreSqlPanelDbContext> options, ITenantScopeAccessor? scope = null)
    : HostingPanelDbContext(options, scope);

/// <summary>Lets `dotnet ef migrations add` build the context without a server.</summary>
public sealed class PostgreSqlDesignTimeFactory : IDesignTimeDbContextFactory<PostgreSqlPanelDbContext>
{
    public PostgreSqlPanelDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<PostgreSqlPanelDbContext>()
            .UseNpgsql("Host=127.0.0.1;Database=design", o => o.MigrationsAssembly(typeof(PostgreSqlPanelDbContext).Assembly.FullName))
            .Options);
}
