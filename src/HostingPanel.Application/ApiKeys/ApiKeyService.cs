using FluentValidation;
using HostingPanel.Application.Common;
using HostingPanel.Data;
using HostingPanel.Data.Identity;
using HostingPanel.Data.Model;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace HostingPanel.Application.ApiKeys;

/// <summary>API keys: created for oneself or for a user below one's own rank and inside one's scope; shown once; revocable.</summary>
public sealed class ApiKeyService(
    HostingPanelDbContext db,
    IActorAccessor actorAccessor,
    IValidator<CreateApiKeyInput> validator,
    UserManager<AppUser> users,
    ChangeRecorder recorder)
{
    private Actor Actor => actorAccessor.Actor;

    /// <summary>The keys the caller may see, one page at a time, newest first; search matches name, prefix and user.</summary>
    public async Task<Page<ApiKeyView>> ListAsync(PageRequest page, CancellationToken ct = default)
    {
        var visible = await VisibleUserIdsAsync(ct);
        var query = db.ApiKeys.Where(k => visible.Contains(k.UserId)).Join(db.Users, k => k.UserId, u => u.Id, (k, u) => new { Key = k, u.Email });
        if (page.Term is { } term)
            query = query.Where(x => x.Key.Name.ToLower().Contains(term) || x.Key.Prefix.ToLower().Contains(term) || x.Email!.ToLower().Contains(term));
        var total = await query.CountAsync(ct);
        var rows = await query.OrderByDescending(x => x.Key.CreatedAt).ThenBy(x => x.Key.Id).Skip(page.Skip).Take(page.SafePageSize).ToListAsync(ct);
        var items = rows.Select(x => new ApiKeyView(x.Key.Id, x.Key.Name, x.Key.Prefix, x.Email!, x.Key.CreatedAt, x.Key.LastUsedAt, x.Key.RevokedAt)).ToList();
        return new Page<ApiKeyView>(items, total, page.SafePage, page.SafePageSize);
    }

    public async Task<ServiceResult<CreatedApiKey>> CreateAsync(CreateApiKeyInput input, CancellationToken ct = default)
    {
        if (Actor.UserId is null || Actor.IsMailboxUser) return Failure.NotFound("The user");
        var validation = await validator.ValidateAsync(input, ct);
        if (!validation.IsValid) return Failure.FromValidation(validation);

        var user = input.UserEmail is null ? await users.FindByIdAsync(Actor.UserId) : await users.FindByEmailAsync(input.UserEmail.Trim());
        if (user is null || !await InScopeAsync(user)) return Failure.NotFound("The user");

        var key = ApiKeySecrets.NewKey();
        var apiKey = new ApiKey(user.Id, input.Name!.Trim(), ApiKeySecrets.DisplayPrefix(key), ApiKeySecrets.Hash(key));
        db.ApiKeys.Add(apiKey);
        recorder.Audit("apikey.create", "ApiKey", apiKey.Prefix, $"for {user.Email}");
        await db.SaveChangesAsync(ct);
        return new CreatedApiKey(apiKey.Id, apiKey.Name, key);
    }

    public async Task<ServiceResult<Done>> RevokeAsync(Guid id, CancellationToken ct = default)
    {
        var visible = await VisibleUserIdsAsync(ct);
        var key = await db.ApiKeys.FirstOrDefaultAsync(k => k.Id == id && visible.Contains(k.UserId), ct);
        if (key is null) return Failure.NotFound("The API key");
        key.Revoke(DateTimeOffset.UtcNow);
        recorder.Audit("apikey.revoke", "ApiKey", key.Prefix);
        await db.SaveChangesAsync(ct);
        return new Done();
    }

    /// <summary>
    /// Grant ceiling: the caller itself, or a user whose rights are a subset of the caller's: an admin's anyone of lower
    /// rank, a reseller's its own customers. Rank alone is not enough: support staff outrank resellers but may not touch
    /// pools or plans, so a reseller's key would give them rights they do not have (Stalwart #874 class).
    /// </summary>
    private async Task<bool> InScopeAsync(AppUser user)
    {
        if (user.Id == Actor.UserId) return true;
        var roles = await users.GetRolesAsync(user);
        var role = roles.FirstOrDefault() ?? "";
        if (Actor.Rank(role) >= Actor.Rank(Actor.Role)) return false;
        if (Actor.IsAdmin) return true;
        if (Actor.IsReseller && user.CustomerId is { } cid && user.MailboxId is null)
            return await db.Customers.AnyAsync(c => c.Id == cid && c.DeletedAt == null, CancellationToken.None); // query filter limits to own customers
        return false;
    }

    private async Task<List<string>> VisibleUserIdsAsync(CancellationToken ct)
    {
        if (Actor.UserId is null) return [];
        if (Actor.IsAdmin) return await db.Users.Select(u => u.Id).ToListAsync(ct);
        if (Actor.IsReseller)
        {
            var customers = db.Customers.Select(c => (Guid?)c.Id);
            return await db.Users.Where(u => u.Id == Actor.UserId || (customers.Contains(u.CustomerId) && u.MailboxId == null)).Select(u => u.Id).ToListAsync(ct);
        }
        return [Actor.UserId];
    }
}
