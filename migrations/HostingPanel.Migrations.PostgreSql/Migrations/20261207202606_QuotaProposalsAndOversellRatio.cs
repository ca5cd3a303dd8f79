using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace HostingPanel.Migrations.PostgreSql.Migrations
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
                type: "integer",
                nullable: false,
                defaultValue: 100);

            // Overselling was on or off; "on" had no bound, the most the ratio allows now is ten times the pool.
            migrationBuilder.Sql("UPDATE \"Resellers\" SET \"OversellPercent\" = 1000 WHERE \"AllowOverselling\" = TRUE;");

            migrationBuilder.DropColumn(
                name: "AllowOverselling",
                table: "Resellers");

            migrationBuilder.AddColumn<long>(
                name: "QuotaCapMb",
                table: "Domains",
                type: "bigint",
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "DefaultMailboxQuotaMb",
                table: "Customers",
                type: "bigint",
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
                type: "boolean",
                nullable: false,
                defaultValue: false);

            migrationBuilder.Sql("UPDATE \"Resellers\" SET \"AllowOverselling\" = TRUE WHERE \"OversellPercent\" > 100;");

            migrationBuilder.DropColumn(
                name: "OversellPercent",
                table: "Resellers");
        }
    }
}
