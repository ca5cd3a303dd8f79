using HostingPanel.Data.Model;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace HostingPanel.Data.Configurations;

internal sealed class ResellerConfiguration : IEntityTypeConfiguration<Reseller>
{
    public void Configure(EntityTypeBuilder<Reseller> b)
    {
        b.ToTable("Resellers");
        b.Property(r => r.Name).HasMaxLength(200).IsRequired();
        b.Property(r => r.AllocationVersion).IsConcurrencyToken();
        b.Property(r => r.DefaultLanguage).HasMaxLength(8);
        b.Property(r => r.DefaultTimeZone).HasMaxLength(64);
        b.ComplexProperty(r => r.Pool, p =>
        {
            p.Property(x => x.MaxCustomers).HasColumnName("PoolMaxCustomers");
            p.Property(x => x.MaxDomains).HasColumnName("PoolMaxDomains");
            p.Property(x => x.MaxMailboxes).HasColumnName("PoolMaxMailboxes");
            p.Property(x => x.DiskQuotaMb).HasColumnName("PoolDiskQuotaMb");
        });
        b.HasIndex(r => r.Name).HasDatabaseName("IX_Resellers_Name");
    }
}

internal sealed class CustomerConfiguration : IEntityTypeConfiguration<Customer>
{
    public void Configure(EntityTypeBuilder<Customer> b)
    {
        b.ToTable("Customers");
        b.Property(c => c.Name).HasMaxLength(200).IsRequired();
        b.Property(c => c.AllocationVersion).IsConcurrencyToken();
        b.ComplexProperty(c => c.Plan, p =>
        {
            p.Property(x => x.MaxDomains).HasColumnName("PlanMaxDomains");
            p.Property(x => x.MaxMailboxes).HasColumnName("PlanMaxMailboxes");
            p.Property(x => x.DiskQuotaMb).HasColumnName("PlanDiskQuotaMb");
        });
        b.HasOne(c => c.Reseller).WithMany().HasForeignKey(c => c.ResellerId).OnDelete(DeleteBehavior.Restrict);
        b.HasIndex(c => new { c.ResellerId, c.Name }).HasDatabaseName("IX_Customers_Reseller_Name");
    }
}

internal sealed class DomainConfiguration : IEntityTypeConfiguration<Domain>
{
    public void Configure(EntityTypeBuilder<Domain> b)
    {
        b.ToTable("Domains");
        b.Property(d => d.Name).HasMaxLength(253).IsRequired();
        b.Property(d => d.Status).HasConversion<string>().HasMaxLength(16);
        b.Property(d => d.StatusDetail).HasMaxLength(2000);
        b.Property(d => d.VerificationToken).HasMaxLength(64).IsRequired();
        b.Ignore(d => d.IsVerified);
        b.HasOne(d => d.Customer).WithMany().HasForeignKey(d => d.CustomerId).OnDelete(DeleteBehavior.Restrict);
        b.HasIndex(d => d.Name).IsUnique().HasDatabaseName("UX_Domains_Name");
        b.HasIndex(d => d.CustomerId).HasDatabaseName("IX_Domains_Customer");
    }
}

internal sealed class MailboxConfiguration : IEntityTypeConfiguration<Mailbox>
{
    public void Configure(EntityTypeBuilder<Mailbox> b)
    {
        b.ToTable("Mailboxes");
        b.Property(m => m.LocalPart).HasMaxLength(64).IsRequired();
        b.Property(m => m.PasswordHash).HasMaxLength(512).IsRequired();
        b.Property(m => m.DisplayName).HasMaxLength(200);
        b.Property(m => m.Status).HasConversion<string>().HasMaxLength(16);
        b.Property(m => m.StatusDetail).HasMaxLength(2000);
        b.Ignore(m => m.QuotaBytes);
        b.HasOne(m => m.Domain).WithMany().HasForeignKey(m => m.DomainId).OnDelete(DeleteBehavior.Cascade);
        b.HasMany(m => m.Forwards).WithOne().HasForeignKey(f => f.MailboxId).OnDelete(DeleteBehavior.Cascade);
        b.HasOne(m => m.Usage).WithOne().HasForeignKey<MailboxUsage>(u => u.MailboxId).OnDelete(DeleteBehavior.Cascade);
        b.HasIndex(m => new { m.DomainId, m.LocalPart }).IsUnique().HasDatabaseName("UX_Mailboxes_Domain_LocalPart");
        // The domain page counts a domain's live mailboxes and sums their quotas on every request (10,000 in a large
        // domain): this index holds every column those aggregates read (Id for the usage join), so they need no table rows.
        b.HasIndex(m => new { m.DomainId, m.Status, m.QuotaMb, m.Id }).HasDatabaseName("IX_Mailboxes_Domain_Status_Quota");
    }
}

internal sealed class MailboxForwardConfiguration : IEntityTypeConfiguration<MailboxForward>
{
    public void Configure(EntityTypeBuilder<MailboxForward> b)
    {
        b.ToTable("MailboxForwards");
        b.Property(f => f.Address).HasMaxLength(320).IsRequired();
    }
}

internal sealed class MailboxUsageConfiguration : IEntityTypeConfiguration<MailboxUsage>
{
    public void Configure(EntityTypeBuilder<MailboxUsage> b)
    {
        b.ToTable("MailboxUsages");
        b.HasKey(u => u.MailboxId);
    }
}

internal sealed class AliasConfiguration : IEntityTypeConfiguration<Alias>
{
    public void Configure(EntityTypeBuilder<Alias> b)
    {
        b.ToTable("Aliases");
        b.Property(a => a.LocalPart).HasMaxLength(64).IsRequired();
        b.Property(a => a.Status).HasConversion<string>().HasMaxLength(16);
        b.Property(a => a.StatusDetail).HasMaxLength(2000);
        b.Ignore(a => a.IsCatchAll);
        b.HasOne(a => a.Domain).WithMany().HasForeignKey(a => a.DomainId).OnDelete(DeleteBehavior.Cascade);
        b.HasMany(a => a.Destinations).WithOne().HasForeignKey(d => d.AliasId).OnDelete(DeleteBehavior.Cascade);
        b.HasIndex(a => new { a.DomainId, a.LocalPart }).IsUnique().HasDatabaseName("UX_Aliases_Domain_LocalPart");
    }
}

internal sealed class AliasDestinationConfiguration : IEntityTypeConfiguration<AliasDestination>
{
    public void Configure(EntityTypeBuilder<AliasDestination> b)
    {
        b.ToTable("AliasDestinations");
        b.Property(d => d.Address).HasMaxLength(320).IsRequired();
        b.HasIndex(d => d.Address).HasDatabaseName("IX_AliasDestinations_Address");
    }
}
