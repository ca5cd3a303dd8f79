using HostingPanel.Data.Model;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace HostingPanel.Data.Configurations;

internal sealed class ApiKeyConfiguration : IEntityTypeConfiguration<ApiKey>
{
    public void Configure(EntityTypeBuilder<ApiKey> b)
    {
        b.ToTable("ApiKeys");
        b.Property(k => k.Name).HasMaxLength(200).IsRequired();
        b.Property(k => k.Prefix).HasMaxLength(16).IsRequired();
        b.Property(k => k.SecretHash).HasMaxLength(64).IsRequired();
        b.Ignore(k => k.IsActive);
        b.HasIndex(k => k.SecretHash).IsUnique().HasDatabaseName("UX_ApiKeys_SecretHash");
        b.HasIndex(k => k.UserId).HasDatabaseName("IX_ApiKeys_User");
    }
}

internal sealed class AuditEntryConfiguration : IEntityTypeConfiguration<AuditEntry>
{
    public void Configure(EntityTypeBuilder<AuditEntry> b)
    {
        b.ToTable("AuditEntries");
        b.Property(a => a.Actor).HasMaxLength(320).IsRequired();
        b.Property(a => a.Action).HasMaxLength(100).IsRequired();
        b.Property(a => a.EntityType).HasMaxLength(50).IsRequired();
        b.Property(a => a.EntityKey).HasMaxLength(400).IsRequired();
        b.Property(a => a.Detail).HasMaxLength(4000);
        b.Property(a => a.RemoteAddress).HasMaxLength(64);
        b.HasIndex(a => a.At).HasDatabaseName("IX_AuditEntries_At");
    }
}

internal sealed class OutboxRecordConfiguration : IEntityTypeConfiguration<OutboxRecord>
{
    public void Configure(EntityTypeBuilder<OutboxRecord> b)
    {
        b.ToTable("Outbox");
        b.Property(o => o.EntityType).HasConversion<string>().HasMaxLength(16);
        b.Property(o => o.EntityKey).HasMaxLength(400).IsRequired();
        b.Property(o => o.LastError).HasMaxLength(2000);
        b.HasIndex(o => new { o.ProcessedAt, o.NextAttemptAt }).HasDatabaseName("IX_Outbox_Due");
        b.HasIndex(o => new { o.EntityType, o.EntityId }).HasDatabaseName("IX_Outbox_Entity");
    }
}

internal sealed class UsageSampleConfiguration : IEntityTypeConfiguration<UsageSample>
{
    public void Configure(EntityTypeBuilder<UsageSample> b)
    {
        b.ToTable("UsageSamples");
        b.HasIndex(s => new { s.DomainId, s.At }).HasDatabaseName("IX_UsageSamples_Domain_At");
    }
}

internal sealed class UsageHistoryPointConfiguration : IEntityTypeConfiguration<UsageHistoryPoint>
{
    public void Configure(EntityTypeBuilder<UsageHistoryPoint> b)
    {
        b.ToTable("UsageHistory");
        b.Property(p => p.Subject).HasConversion<string>().HasMaxLength(16);
        b.Property(p => p.Resolution).HasConversion<string>().HasMaxLength(8);
        // A chart reads one subject's points in order; the worker writes one point per subject and bucket.
        b.HasIndex(p => new { p.Subject, p.SubjectId, p.Resolution, p.Bucket }).IsUnique().HasDatabaseName("IX_UsageHistory_Subject_Bucket");
        // Pruning by age.
        b.HasIndex(p => new { p.Resolution, p.Bucket }).HasDatabaseName("IX_UsageHistory_Resolution_Bucket");
    }
}

internal sealed class PortalSessionConfiguration : IEntityTypeConfiguration<PortalSession>
{
    public void Configure(EntityTypeBuilder<PortalSession> b)
    {
        b.ToTable("PortalSessions");
        b.Property(s => s.Id).HasMaxLength(64);
        b.Property(s => s.UserId).HasMaxLength(450).IsRequired();
        b.Property(s => s.RemoteAddress).HasMaxLength(64);
        b.Property(s => s.UserAgent).HasMaxLength(PortalSession.MaxUserAgentLength);
        b.Ignore(s => s.IsOpen);
        b.HasIndex(s => new { s.UserId, s.EndedAt }).HasDatabaseName("IX_PortalSessions_User");
    }
}

internal sealed class PasswordResetLinkConfiguration : IEntityTypeConfiguration<PasswordResetLink>
{
    public void Configure(EntityTypeBuilder<PasswordResetLink> b)
    {
        b.ToTable("PasswordResetLinks");
        b.Property(l => l.TokenHash).HasMaxLength(PasswordResetLink.HashLength).IsRequired();
        b.Property(l => l.UserId).HasMaxLength(450).IsRequired();
        b.HasIndex(l => l.TokenHash).IsUnique().HasDatabaseName("IX_PasswordResetLinks_TokenHash");
        b.HasIndex(l => new { l.UserId, l.CreatedAt }).HasDatabaseName("IX_PasswordResetLinks_User");
    }
}

internal sealed class AppUserConfiguration : IEntityTypeConfiguration<HostingPanel.Data.Identity.AppUser>
{
    public void Configure(EntityTypeBuilder<HostingPanel.Data.Identity.AppUser> b)
    {
        b.Property(u => u.RecoveryEmail).HasMaxLength(320);
        b.Property(u => u.Language).HasMaxLength(8);
        b.Property(u => u.TimeZone).HasMaxLength(64);
    }
}
