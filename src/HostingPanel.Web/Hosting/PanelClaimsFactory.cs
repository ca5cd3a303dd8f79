using System.Security.Claims;
using HostingPanel.Data;
using HostingPanel.Data.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace HostingPanel.Web.Hosting;

/// <summary>Puts the user's tenant links into its cookie, so every request knows its scope without a lookup.</summary>
public sealed class PanelClaimsFactory(UserManager<AppUser> users, RoleManager<IdentityRole> roles, IOptions<IdentityOptions> options, HostingPanelDbContext db)
    : UserClaimsPrincipalFactory<AppUser, IdentityRole>(users, roles, options)
{
    protected override async Task<ClaimsIdentity> GenerateClaimsAsync(AppUser user)
    {
        var identity = await base.GenerateClaimsAsync(user);
        if (user.Email is not null && !identity.HasClaim(c => c.Type == ClaimTypes.Email)) identity.AddClaim(new Claim(ClaimTypes.Email, user.Email));
        if (user.ResellerId is { } r) identity.AddClaim(new Claim(PanelClaims.ResellerId, r.ToString()));
        if (user.CustomerId is { } c) identity.AddClaim(new Claim(PanelClaims.CustomerId, c.ToString()));
        if (user.MailboxId is { } m) identity.AddClaim(new Claim(PanelClaims.MailboxId, m.ToString()));
        if (user.MustChangePassword || await MailboxPasswordWasResetAsync(user)) identity.AddClaim(new Claim(PanelClaims.MustChangePassword, "true"));
        return identity;
    }

    /// <summary>A mailbox owner has no portal password: the mailbox's own says whether someone else set it.</summary>
    private async Task<bool> MailboxPasswordWasResetAsync(AppUser user) =>
        user.MailboxId is { } id
        && await db.Mailboxes.IgnoreQueryFilters().AnyAsync(m => m.Id == id && m.PasswordChangeRequired);
}
