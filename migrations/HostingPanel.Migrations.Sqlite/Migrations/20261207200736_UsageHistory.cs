using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace HostingPanel.Migrations.Sqlite.Migrations
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
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    Subject = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    SubjectId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Resolution = table.Column<string>(type: "TEXT", maxLength: 8, nullable: false),
                    Bucket = table.Column<long>(type: "INTEGER", nullable: false),
                    UsedBytes = table.Column<long>(type: "INTEGER", nullable: false),
                    MessageCount = table.Column<long>(type: "INTEGER", nullable: false)
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
