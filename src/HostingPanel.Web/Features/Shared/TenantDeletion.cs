using HostingPanel.Application.Tenants;

namespace HostingPanel.Web.Features.Shared;

/// <summary>The confirmation before deleting a customer or reseller: it names what goes with it.</summary>
public sealed record TenantDeletePage(string Kind, string Action, string Cancel, DeletionSummary Summary);

/// <summary>Customers or resellers in their grace period, each with a restore button (posts to <c>{BasePath}/{id}/restore</c>).</summary>
public sealed record DeletedTenantsPanel(string Kind, string BasePath, IReadOnlyList<DeletedTenantView> Items);
