using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace HostingPanel.Migrations.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class QuotaProposalsAndOversellRatio : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "OversellPercent",
                table: "Resellers",
                type: "INTEGER",
                nullable: false,
                defaultValue: 100);

            // Overselling was on or off; "on" had no bound, the most the ratio allows now is ten times the pool.
            migrationBuilder.Sql("UPDATE \"Resellers\" SET \"OversellPercent\" = 1000 WHERE \"AllowOverselling\" = 1;");

            migrationBuilder.DropColumn(
                name: "AllowOverselling",
                table: "Resellers");

            migrationBuilder.AddColumn<long>(
                name: "QuotaCapMb",
                table: "Domains",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "DefaultMailboxQuotaMb",
                table: "Customers",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0L);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "QuotaCapMb",
                table: "Domains");

            migrationBuilder.DropColumn(
                name: "DefaultMailboxQuotaMb",
                table: "Customers");

            migrationBuilder.AddColumn<bool>(
                name: "AllowOverselling",
                table: "Resellers",
                type: "INTEGER",
                nullable: false,
                defaultValue: false);

            migrationBuilder.Sql("UPDATE \"Resellers\" SET \"AllowOverselling\" = 1 WHERE \"OversellPercent\" > 100;");

            migrationBuilder.DropColumn(
                name: "OversellPercent",
                table: "Resellers");
        }
    }
}
