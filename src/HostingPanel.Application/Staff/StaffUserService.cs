using FluentValidation;
using HostingPanel.Application.Common;
using HostingPanel.Application.Users;
using HostingPanel.Data;
using HostingPanel.Data.Identity;
using HostingPanel.Data.Model;
using Microsoft.EntityFrameworkCore;

namespace HostingPanel.Application.Staff;

public sealed class CreateStaffUserInput
{
    public string? Name { get; set; }
    public string? Email { get; set; }
    public string? Password { get; set; }
    /// <summary>Support (default) or Admin.</summary>
    public string? Role { get; set; } = Roles.Support;
}

public sealed class CreateStaffUserValidator : AbstractValidator<CreateStaffUserInput>
{
    public CreateStaffUserValidator()
    {
        RuleFor(x => x.Name).PersonName("name");
        RuleFor(x => x.Email).Address();
        RuleFor(x => x.Password).Password();
        RuleFor(x => x.Role).Must(r => r is Roles.Support or Roles.Admin).WithMessage("Choose Support or Admin.");
    }
}

public sealed record StaffUserView(string Id, string Email, string? Name, string Role, bool LockedOut, DateTimeOffset? DeletedAt = null);

/// <summary>The hosting company's own accounts (admins, support staff). Grant ceiling: nobody creates a user above its own role.</summary>
public sealed class StaffUserService(
    HostingPanelDbContext db,
    IActorAccessor actorAccessor,
    IValidator<CreateStaffUserInput> validator,
    PortalUsers users,
    ChangeRecorder recorder)
{
    private Actor Actor => actorAccessor.Actor;

    /// <summary>Staff users; <paramref name="deleted"/>: those deleted and still in their grace period instead.</summary>
    public async Task<Page<StaffUserView>> ListAsync(PageRequest page, CancellationToken ct = default, bool deleted = false)
    {
        if (!Actor.IsAdmin) return new Page<StaffUserView>([], 0, page.SafePage, page.SafePageSize);
        var staffRoles = new[] { Roles.Admin, Roles.Support };
        var query = from u in db.Users
                    join ur in db.UserRoles on u.Id equals ur.UserId
                    join r in db.Roles on ur.RoleId equals r.Id
                    where staffRoles.Contains(r.Name!) && (u.DeletedAt != null) == deleted
                    select new { u.Id, u.Email, u.DisplayName, Role = r.Name!, u.LockoutEnd, u.DeletedAt };
        if (page.Term is { } term) query = query.Where(u => u.Email!.ToLower().Contains(term) || (u.DisplayName != null && u.DisplayName.ToLower().Contains(term)));
        var total = await query.CountAsync(ct);
        var rows = await query.OrderBy(u => u.Email).Skip(page.Skip).Take(page.SafePageSize).ToListAsync(ct);
        var now = DateTimeOffset.UtcNow;
        return new Page<StaffUserView>(rows.Select(u => new StaffUserView(u.Id, u.Email!, u.DisplayName, u.Role, u.LockoutEnd > now, u.DeletedAt)).ToList(),
            total, page.SafePage, page.SafePageSize);
    }

    public async Task<ServiceResult<StaffUserView>> CreateAsync(CreateStaffUserInput input, CancellationToken ct = default)
    {
        if (!Actor.IsAdmin) return Failure.NotFound("The user");
        var validation = await validator.ValidateAsync(input, ct);
        if (!validation.IsValid) return Failure.FromValidation(validation);
        if (Actor.Rank(input.Role!) > Actor.Rank(Actor.Role))
            return Failure.Invalid(nameof(input.Role), "You cannot create a user with a higher role than your own.");
        var email = EmailAddress.Parse(input.Email!).Value;
        if (await users.CheckEmailFreeAsync(email, ct) is { } taken) return taken;
        var created = await users.CreateAsync(email, input.Password!, input.Role!, input.Name!.Trim());
        if (!created.Succeeded) return created.Failure!;
        recorder.Audit("user.create", "User", email, $"role {input.Role}");
        await db.SaveChangesAsync(ct);
        return new StaffUserView(created.Value!.Id, email, input.Name.Trim(), input.Role!, false);
    }

    /// <summary>One staff user (admins only; anything else, deleted ones included, is 404).</summary>
    public async Task<ServiceResult<StaffUserView>> GetAsync(string id, bool deleted = false, CancellationToken ct = default)
    {
        if (await FindStaffAsync(id, deleted, ct) is not { } found) return Failure.NotFound("The user");
        var now = DateTimeOffset.UtcNow;
        return new StaffUserView(found.User.Id, found.User.Email!, found.User.DisplayName, found.Role, found.User.LockoutEnd > now, found.User.DeletedAt);
    }

    /// <summary>
    /// Deletes a staff user: it cannot sign in, its sessions end and its API keys stop at once; an admin can restore it
    /// during the grace period, after which the worker removes it with its keys. Nobody deletes itself, and the last
    /// admin stays (someone must be able to restore).
    /// </summary>
    public async Task<ServiceResult<Done>> DeleteAsync(string id, CancellationToken ct = default)
    {
        if (await FindStaffAsync(id, deleted: false, ct) is not { } found) return Failure.NotFound("The user");
        if (found.User.Id == Actor.UserId) return Failure.Invalid("Id", "You cannot delete your own account.");
        if (found.Role == Roles.Admin && await LiveAdminCountAsync(ct) <= 1) return Failure.Invalid("Id", "The last administrator cannot be deleted.");
        found.User.DeletedAt = DateTimeOffset.UtcNow;
        found.User.SecurityStamp = PortalSessionRevocation.NewStamp();
        recorder.Audit("user.delete", "User", found.User.Email!, $"role {found.Role}");
        await db.SaveChangesAsync(ct);
        return new Done();
    }

    public async Task<ServiceResult<Done>> RestoreAsync(string id, CancellationToken ct = default)
    {
        if (await FindStaffAsync(id, deleted: true, ct) is not { } found) return Failure.NotFound("The user");
        found.User.DeletedAt = null;
        recorder.Audit("user.restore", "User", found.User.Email!, $"role {found.Role}");
        await db.SaveChangesAsync(ct);
        return new Done();
    }

    private async Task<(AppUser User, string Role)?> FindStaffAsync(string id, bool deleted, CancellationToken ct)
    {
        if (!Actor.IsAdmin || id.Length is 0 or > 450) return null;
        var staffRoles = new[] { Roles.Admin, Roles.Support };
        var row = await (from u in db.Users
                         join ur in db.UserRoles on u.Id equals ur.UserId
                         join r in db.Roles on ur.RoleId equals r.Id
                         where u.Id == id && staffRoles.Contains(r.Name!) && (u.DeletedAt != null) == deleted
                         select new { User = u, Role = r.Name! }).FirstOrDefaultAsync(ct);
        return row is null ? null : (row.User, row.Role);
    }

    private Task<int> LiveAdminCountAsync(CancellationToken ct) =>
        (from u in db.Users
         join ur in db.UserRoles on u.Id equals ur.UserId
         join r in db.Roles on ur.RoleId equals r.Id
         where r.Name == Roles.Admin && u.DeletedAt == null
         select u.Id).CountAsync(ct);
}
