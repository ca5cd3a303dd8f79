using HostingPanel.Data.Model;
using HostingPanel.MailEngine.Admin;

namespace HostingPanel.Provisioning;

/// <summary>The one mapping from the panel's desired state to the engine's specs.</summary>
public static class EngineSpecMapper
{
    /// <summary>
    /// A mailbox is enabled in the engine only when it, its domain, its customer and its reseller are all enabled:
    /// suspending a tenant or a domain suspends everything under it.
    /// </summary>
    public static bool EffectiveEnabled(Mailbox m) =>
        m.Enabled && !m.Domain!.IsSuspended && m.Domain.Customer!.Enabled && (m.Domain.Customer.Reseller?.Enabled ?? true);

    /// <param name="m">Loaded with Domain, Domain.Customer, Domain.Customer.Reseller and Forwards.</param>
    public static MailboxSpec ToSpec(Mailbox m) => new(
        Address: m.AddressIn(m.Domain!.Name),
        PasswordHash: m.PasswordHash,
        QuotaBytes: m.QuotaBytes,
        Enabled: EffectiveEnabled(m),
        ImapEnabled: m.ImapEnabled,
        Pop3Enabled: m.Pop3Enabled,
        Pop3RetentionDays: m.Pop3RetentionDays,
        DisplayName: m.DisplayName,
        ForwardTo: m.Forwards.Select(f => f.Address).OrderBy(a => a, StringComparer.Ordinal).ToList(),
        KeepCopyWhenForwarding: m.KeepCopyWhenForwarding);

    /// <summary>
    /// The owner is the customer (its id, an opaque key to the engine). Verified when proven, or when the operator
    /// does not require proof (<c>Domains:RequireVerification</c> false).
    /// </summary>
    public static DomainSpec ToSpec(Domain d, bool requireVerification) =>
        new(d.Name, d.CustomerId.ToString("N"), d.IsVerified || !requireVerification);

    public static AliasSpec ToSpec(Alias a) => new(
        $"{a.LocalPart}@{a.Domain!.Name}",
        a.Destinations.Select(d => d.Address).OrderBy(x => x, StringComparer.Ordinal).ToList());

    /// <summary>Whether the engine's copy already matches the panel's (used by reconciliation).</summary>
    public static bool SameAs(this MailboxSpec a, MailboxSpec b) =>
        a.Address == b.Address && a.PasswordHash == b.PasswordHash && a.QuotaBytes == b.QuotaBytes && a.Enabled == b.Enabled
        && a.ImapEnabled == b.ImapEnabled && a.Pop3Enabled == b.Pop3Enabled && a.Pop3RetentionDays == b.Pop3RetentionDays
        && (a.ForwardTo ?? []).SequenceEqual(b.ForwardTo ?? []) && a.KeepCopyWhenForwarding == b.KeepCopyWhenForwarding;

    public static bool SameAs(this AliasSpec a, AliasSpec b) =>
        a.Address == b.Address && a.Destinations.OrderBy(x => x, StringComparer.Ordinal).SequenceEqual(b.Destinations.OrderBy(x => x, StringComparer.Ordinal));
}
