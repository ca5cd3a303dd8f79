using System.Globalization;
using FluentValidation;
using HostingPanel.Data;
using HostingPanel.Data.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;

namespace HostingPanel.Application.Localization;

/// <summary>What a user (or its reseller) chose; null where nothing was chosen, so the next source decides.</summary>
public sealed record Preferences(string? Language, string? TimeZone)
{
    public static readonly Preferences None = new(null, null);

    /// <summary>Fills what this one left open from <paramref name="fallback"/> (a user's own choice wins over its reseller's).</summary>
    public Preferences Or(Preferences fallback) => new(Language ?? fallback.Language, TimeZone ?? fallback.TimeZone);
}

/// <summary>A user's choice on its own page; empty strings mean "not chosen" (the reseller's default, then the browser's).</summary>
public sealed class PreferencesInput
{
    public string? Language { get; set; }
    public string? TimeZone { get; set; }
}

public sealed class PreferencesInputValidator : AbstractValidator<PreferencesInput>
{
    public const string UnknownLanguage = "Choose a language from the list.";
    public const string UnknownTimeZone = "Choose a time zone from the list.";

    public PreferencesInputValidator()
    {
        RuleFor(x => x.Language).Must(l => string.IsNullOrEmpty(l) || Languages.IsSupported(l)).WithMessage(UnknownLanguage);
        RuleFor(x => x.TimeZone).Must(z => string.IsNullOrEmpty(z) || UserTimeZones.IsKnown(z)).WithMessage(UnknownTimeZone);
    }
}

/// <summary>
/// The language and time zone a user's pages and mails use: the user's own choice, else its reseller's default (for the
/// reseller itself, its customers and their mailbox owners), else nothing (the browser's Accept-Language, and UTC).
/// Read on every request, so kept for a minute in memory; a user's own change is seen at once (<see cref="Forget"/>).
/// </summary>
public sealed class UserPreferences(HostingPanelDbContext db, IMemoryCache cache)
{
    private static readonly TimeSpan CacheFor = TimeSpan.FromMinutes(1);

    public async Task<Preferences> ForUserAsync(string userId, CancellationToken ct = default) =>
        await cache.GetOrCreateAsync(Key(userId), async entry =>
        {
            entry.AbsoluteExpirationRelativeToNow = CacheFor;
            var user = await db.Users.AsNoTracking().IgnoreQueryFilters().Where(u => u.Id == userId)
                .Select(u => new { u.Language, u.TimeZone, u.ResellerId, u.CustomerId, u.MailboxId }).FirstOrDefaultAsync(ct);
            if (user is null) return Preferences.None;
            var own = new Preferences(user.Language, user.TimeZone);
            return own.Language is not null && own.TimeZone is not null ? own
                : own.Or(await ResellerDefaultsAsync(user.ResellerId, user.CustomerId, user.MailboxId, ct));
        }) ?? Preferences.None;

    /// <summary>For the product's own mails to a mailbox: its owner's choice (when it signed in to the portal), else the reseller's.</summary>
    public async Task<Preferences> ForMailboxAsync(Guid mailboxId, CancellationToken ct = default)
    {
        var owner = await db.Users.AsNoTracking().IgnoreQueryFilters().Where(u => u.MailboxId == mailboxId)
            .Select(u => new Preferences(u.Language, u.TimeZone)).FirstOrDefaultAsync(ct) ?? Preferences.None;
        return owner.Or(await ResellerDefaultsAsync(null, null, mailboxId, ct));
    }

    /// <summary>The language of a mail to <paramref name="user"/>.</summary>
    public async Task<CultureInfo> MailCultureAsync(AppUser user, CancellationToken ct = default) =>
        Languages.CultureOf((await ForUserAsync(user.Id, ct)).Language);

    public async Task SaveAsync(AppUser user, PreferencesInput input, CancellationToken ct = default)
    {
        user.Language = string.IsNullOrEmpty(input.Language) ? null : input.Language;
        user.TimeZone = string.IsNullOrEmpty(input.TimeZone) ? null : input.TimeZone;
        await db.SaveChangesAsync(ct);
        Forget(user.Id);
    }

    public void Forget(string userId) => cache.Remove(Key(userId));

    private async Task<Preferences> ResellerDefaultsAsync(Guid? resellerId, Guid? customerId, Guid? mailboxId, CancellationToken ct)
    {
        if (resellerId is null && mailboxId is { } m)
            customerId = await db.Mailboxes.IgnoreQueryFilters().Where(x => x.Id == m).Select(x => (Guid?)x.Domain!.CustomerId).FirstOrDefaultAsync(ct);
        if (resellerId is null && customerId is { } c)
            resellerId = await db.Customers.IgnoreQueryFilters().Where(x => x.Id == c).Select(x => x.ResellerId).FirstOrDefaultAsync(ct);
        if (resellerId is not { } r) return Preferences.None;
        return await db.Resellers.IgnoreQueryFilters().Where(x => x.Id == r)
            .Select(x => new Preferences(x.DefaultLanguage, x.DefaultTimeZone)).FirstOrDefaultAsync(ct) ?? Preferences.None;
    }

    private static string Key(string userId) => "preferences:" + userId;
}
