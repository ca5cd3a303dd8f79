using System.Security.Claims;
using HostingPanel.Data.Identity;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace HostingPanel.Web.Hosting;

/// <summary>Puts the user's tenant links into its cookie, so every request knows its scope without a lookup.</summary>
public sealed class PanelClaimsFactory(UserManager<AppUser> users, RoleManager<IdentityRole> roles, IOptions<IdentityOptions> options)
    : UserClaimsPrincipalFactory<AppUser, IdentityRole>(users, roles, options)
{
    protected override async Task<ClaimsIdentity> GenerateClaimsAsync(AppUser user)
    {
        var identity = await base.GenerateClaimsAsync(user);
        if (user.Email is not null && !identity.HasClaim(c => c.Type == ClaimTypes.Email)) identity.AddClaim(new Claim(ClaimTypes.Email, user.Email));
        if (user.ResellerId is { } r) identity.AddClaim(new Claim(PanelClaims.ResellerId, r.ToString()));
        if (user.CustomerId is { } c) identity.AddClaim(new Claim(PanelClaims.CustomerId, c.ToString()));
        if (user.MailboxId is { } m) identity.AddClaim(new Claim(PanelClaims.MailboxId, m.ToString()));
        if (user.MustChangePassword) identity.AddClaim(new Claim(PanelClaims.MustChangePassword, "true"));
        return identity;
    }
}
