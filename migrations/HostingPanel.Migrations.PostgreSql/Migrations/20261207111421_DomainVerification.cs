using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace HostingPanel.Migrations.PostgreSql.Migrations
{
    /// <inheritdoc />
    public partial class DomainVerification : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "VerificationCheckedAt",
                table: "Domains",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "VerificationToken",
                table: "Domains",
                type: "character varying(64)",
                maxLength: 64,
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "VerifiedAt",
                table: "Domains",
                type: "timestamp with time zone",
                nullable: true);

            // Domains added before verification existed keep working as they did (grandfathered as verified at their
            // creation); each still gets its own token, so the record can be published and checked.
            migrationBuilder.Sql("UPDATE \"Domains\" SET \"VerificationToken\" = replace(gen_random_uuid()::text, '-', ''), \"VerifiedAt\" = \"CreatedAt\" WHERE \"VerificationToken\" = '';");
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
