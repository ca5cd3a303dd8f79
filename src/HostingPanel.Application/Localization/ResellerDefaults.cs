using FluentValidation;
using HostingPanel.Application.Common;
using HostingPanel.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;

namespace HostingPanel.Application.Localization;

/// <summary>
/// A reseller's default language and time zone for its tree (its own login, its customers, their mailbox owners): set by
/// an admin for any reseller, by a reseller for itself only; any other reseller is not found (404), like everything
/// outside the caller's scope.
/// </summary>
public sealed class ResellerDefaults(HostingPanelDbContext db, IActorAccessor actors, IValidator<PreferencesInput> validator, ChangeRecorder recorder, IMemoryCache cache)
{
    public async Task<ServiceResult<Preferences>> GetAsync(Guid resellerId, CancellationToken ct = default)
    {
        if (!MayChange(resellerId)) return Failure.NotFound("The reseller");
        var found = await db.Resellers.Where(r => r.Id == resellerId && r.DeletedAt == null)
            .Select(r => new Preferences(r.DefaultLanguage, r.DefaultTimeZone)).FirstOrDefaultAsync(ct);
        return found is null ? Failure.NotFound("The reseller") : found;
    }

    public async Task<ServiceResult<Preferences>> SetAsync(Guid resellerId, PreferencesInput input, CancellationToken ct = default)
    {
        if (!MayChange(resellerId)) return Failure.NotFound("The reseller");
        var reseller = await db.Resellers.FirstOrDefaultAsync(r => r.Id == resellerId && r.DeletedAt == null, ct);
        if (reseller is null) return Failure.NotFound("The reseller");
        var validation = await validator.ValidateAsync(input, ct);
        if (!validation.IsValid) return Failure.FromValidation(validation);
        reseller.SetDefaults(string.IsNullOrEmpty(input.Language) ? null : input.Language, string.IsNullOrEmpty(input.TimeZone) ? null : input.TimeZone);
        recorder.Audit("reseller.defaults", "Reseller", reseller.Name, $"language {reseller.DefaultLanguage ?? "-"}, time zone {reseller.DefaultTimeZone ?? "-"}");
        await db.SaveChangesAsync(ct);
        // Users below keep a cached choice for at most a minute; the reseller's own login sees its change at once.
        if (actors.Actor.UserId is { } self) cache.Remove("preferences:" + self);
        return new Preferences(reseller.DefaultLanguage, reseller.DefaultTimeZone);
    }

    private bool MayChange(Guid resellerId)
    {
        var a = actors.Actor;
        return a.IsAdmin || (a.IsReseller && a.ResellerId == resellerId);
    }
}
