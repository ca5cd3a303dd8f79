using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace HostingPanel.Migrations.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class DomainVerification : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "VerificationCheckedAt",
                table: "Domains",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "VerificationToken",
                table: "Domains",
                type: "TEXT",
                maxLength: 64,
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<long>(
                name: "VerifiedAt",
                table: "Domains",
                type: "INTEGER",
                nullable: true);

            // Domains added before verification existed keep working as they did (grandfathered as verified at their
            // creation); each still gets its own token, so the record can be published and checked.
            migrationBuilder.Sql("UPDATE \"Domains\" SET \"VerificationToken\" = lower(hex(randomblob(16))), \"VerifiedAt\" = \"CreatedAt\" WHERE \"VerificationToken\" = '';");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "VerificationCheckedAt",
                table: "Domains");

            migrationBuilder.DropColumn(
                name: "VerificationToken",
                table: "Domains");

            migrationBuilder.DropColumn(
                name: "VerifiedAt",
                table: "Domains");
        }
    }
}
