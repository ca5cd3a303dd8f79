using System.Globalization;
using System.Resources;

namespace HostingPanel.Application.Localization;

/// <summary>
/// Every text the product shows or sends, translated from English. Screen texts are keyed by their English wording
/// (so a missing translation shows the English); the product's own mails are keyed by name (<c>Mail.Reset.Subject</c>),
/// with the English in the neutral resource. Translations live in <c>ProductText.{language}.resx</c> beside this file.
/// </summary>
public static class ProductText
{
    private static readonly ResourceManager Resources = new("HostingPanel.Application.Localization.ProductText", typeof(ProductText).Assembly);

    /// <summary>The text in the current UI culture (the request's language), or the English when it has no translation.</summary>
    public static string Translate(string english) => Translate(english, CultureInfo.CurrentUICulture);

    public static string Translate(string english, CultureInfo culture)
    {
        if (string.IsNullOrEmpty(english) || culture.TwoLetterISOLanguageName == Languages.English) return english;
        return Resources.GetString(english, culture) is { Length: > 0 } translated ? translated : english;
    }

    /// <summary>A translated composite format ("{0} of {1}") filled with the arguments, in the culture's number format.</summary>
    public static string Format(string english, params object?[] args) =>
        string.Format(CultureInfo.CurrentCulture, Translate(english), args);

    /// <summary>A named text of the product's own mails in a recipient's language (English when that language lacks it).</summary>
    public static string Mail(string name, CultureInfo culture, params object?[] args) =>
        string.Format(culture, Resources.GetString(name, culture) ?? Resources.GetString(name, CultureInfo.InvariantCulture) ?? name, args);
}
