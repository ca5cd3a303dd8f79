using System.Security.Claims;
using HostingPanel.Application.Localization;
using Microsoft.AspNetCore.Localization;

namespace HostingPanel.Web.Hosting;

/// <summary>
/// Each request's language and time zone. The signed-in user's choice (or its reseller's default) comes first, then the
/// browser's Accept-Language, then English; times are shown in the chosen zone, else UTC. API problem titles are written
/// in English whatever the request's language (they are fixed strings, never translated).
/// </summary>
public static class UserLanguageAndTime
{
    private const string PreferencesItem = "hp.preferences";

    public static WebApplication UseUserLanguageAndTime(this WebApplication app)
    {
        // After authentication (the user is known), before localization (which reads what this found).
        app.Use(async (context, next) =>
        {
            var preferences = Preferences.None;
            if (context.User.Identity?.IsAuthenticated == true && context.User.FindFirstValue(ClaimTypes.NameIdentifier) is { } userId)
                preferences = await context.RequestServices.GetRequiredService<UserPreferences>().ForUserAsync(userId, context.RequestAborted);
            context.Items[PreferencesItem] = preferences;
            UserClock.Zone = UserTimeZones.Find(preferences.TimeZone);
            await next();
        });
        var options = new RequestLocalizationOptions
        {
            DefaultRequestCulture = new RequestCulture(Languages.English),
            SupportedCultures = Languages.Cultures,
            SupportedUICultures = Languages.Cultures,
            // "ms-MY" and "en-GB" from a browser mean the languages above.
            FallBackToParentCultures = true,
            FallBackToParentUICultures = true,
        };
        options.RequestCultureProviders = [new ChosenLanguageProvider(), new AcceptLanguageHeaderRequestCultureProvider()];
        app.UseRequestLocalization(options);
        return app;
    }

    /// <summary>The user's own (or its reseller's) language; nothing for anonymous visitors and users who chose none.</summary>
    private sealed class ChosenLanguageProvider : RequestCultureProvider
    {
        public override Task<ProviderCultureResult?> DetermineProviderCultureResult(HttpContext context) =>
            Task.FromResult(context.Items[PreferencesItem] is Preferences { Language: { } language } && Languages.IsSupported(language)
                ? new ProviderCultureResult(language)
                : null);
    }
}

/// <summary>The time zone the current request shows times in (set per request; UTC outside a request).</summary>
public static class UserClock
{
    private static readonly AsyncLocal<TimeZoneInfo?> Current = new();

    public static TimeZoneInfo Zone
    {
        get => Current.Value ?? TimeZoneInfo.Utc;
        set => Current.Value = value;
    }
}
