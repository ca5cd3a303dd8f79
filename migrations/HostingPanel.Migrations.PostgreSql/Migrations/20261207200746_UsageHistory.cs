using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace HostingPanel.Migrations.PostgreSql.Migrations
{
    /// <inheritdoc />
    public partial class UsageHistory : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "UsageHistory",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    Subject = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    SubjectId = table.Column<Guid>(type: "uuid", nullable: false),
                    Resolution = table.Column<string>(type: "character varying(8)", maxLength: 8, nullable: false),
                    Bucket = table.Column<long>(type: "bigint", nullable: false),
                    UsedBytes = table.Column<long>(type: "bigint", nullable: false),
                    MessageCount = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_UsageHistory", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_UsageHistory_Resolution_Bucket",
                table: "UsageHistory",
                columns: new[] { "Resolution", "Bucket" });

            migrationBuilder.CreateIndex(
                name: "IX_UsageHistory_Subject_Bucket",
                table: "UsageHistory",
                columns: new[] { "Subject", "SubjectId", "Resolution", "Bucket" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "UsageHistory");
        }
    }
}
