using System.Globalization;

namespace HostingPanel.Application.Localization;

/// <summary>The languages the portal, webmail and the product's own mails speak; anything else is refused as a setting.</summary>
public static class Languages
{
    public const string English = "en";
    public const string Malay = "ms";

    /// <summary>Code and name in its own language, as the settings list shows them.</summary>
    public static readonly IReadOnlyList<(string Code, string Name)> Supported = [(English, "English"), (Malay, "Bahasa Melayu")];

    public static readonly CultureInfo[] Cultures = [CultureInfo.GetCultureInfo(English), CultureInfo.GetCultureInfo(Malay)];

    public static bool IsSupported(string? code) => code is not null && Supported.Any(l => l.Code == code);

    /// <summary>The culture of a stored code; English for null or anything not on the list (a value from before a language was removed).</summary>
    public static CultureInfo CultureOf(string? code) => IsSupported(code) ? CultureInfo.GetCultureInfo(code!) : Cultures[0];
}
