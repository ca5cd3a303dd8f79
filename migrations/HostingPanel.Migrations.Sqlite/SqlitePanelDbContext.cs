using HostingPanel.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace HostingPanel.Migrations.Sqlite;

/// <summary>The panel's database on SQLite (the default).</summary>
public sealed class SqlitePanelDbContext(DbContextOptions<SqlitePanelDbContext> options, ITenantScopeAccessor? scope = null)
    : HostingPanelDbContext(options, scope)
{
    protected override void ConfigureConventions(ModelConfigurationBuilder builder)
    {
        // SQLite has no native DateTimeOffset: stored as a sortable integer so that the
        // outbox's due-time queries and ORDER BY run in the database, not in memory.
        builder.Properties<DateTimeOffset>().HaveConversion<DateTimeOffsetToBinaryConverter>();
        builder.Properties<DateTimeOffset?>().HaveConversion<DateTimeOffsetToBinaryConverter>();
    }
}

/// <summary>Lets `dotnet ef migrations add` build the context without the web host.</summary>
public sealed class SqliteDesignTimeFactory : IDesignTimeDbContextFactory<SqlitePanelDbContext>
{
    public SqlitePanelDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<SqlitePanelDbContext>()
            .UseSqlite("Data Source=design.db", o => o.MigrationsAssembly(typeof(SqlitePanelDbContext).Assembly.FullName))
            .Options);
}
