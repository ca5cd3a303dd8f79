using HostingPanel.Application.Localization;

namespace HostingPanel.Web.Features.Shared;

/// <summary>The portal's and webmail's words in the request's language (<c>@T("Save")</c> in a view); English is the key.</summary>
public static class Text
{
    public static string T(string english) => ProductText.Translate(english);

    /// <summary>A translated composite format: <c>T("{0} of {1} used", used, quota)</c>.</summary>
    public static string T(string english, params object?[] args) => ProductText.Format(english, args);
}

/// <summary>The form of a reseller's default language and time zone (admin's reseller page, the reseller's own security page).</summary>
public sealed record TreeDefaultsForm(string Action, string? Language, string? TimeZone);
