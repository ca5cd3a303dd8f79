using FluentValidation;
using FluentValidation.Internal;

namespace HostingPanel.Application.Localization;

/// <summary>
/// Validation messages in the request's language, for every validator (portal and API say the same): FluentValidation
/// builds each message from a template (its own, or ours from <c>WithMessage</c>, in English), and this formatter
/// translates the template before filling in the values. FluentValidation ships no Malay, so its own templates are
/// translated in the same resource as ours. Property names shown in its templates are translated too.
/// </summary>
public static class LocalizedValidationMessages
{
    private static int _installed;

    public static void Use()
    {
        if (Interlocked.Exchange(ref _installed, 1) == 1) return;
        ValidatorOptions.Global.MessageFormatterFactory = () => new TranslatingMessageFormatter();
        var names = ValidatorOptions.Global.DisplayNameResolver;
        ValidatorOptions.Global.DisplayNameResolver = (type, member, expression) =>
        {
            var name = names(type, member, expression);
            // In English, FluentValidation's own default (the property name split at capitals) stays untouched.
            if (System.Globalization.CultureInfo.CurrentUICulture.TwoLetterISOLanguageName == Languages.English) return name;
            return name is not null ? ProductText.Translate(name) : member is null ? null : ProductText.Translate(SplitPascalCase(member.Name));
        };
    }

    private static string SplitPascalCase(string name) =>
        string.Concat(name.Select((c, i) => i > 0 && char.IsUpper(c) && !char.IsUpper(name[i - 1]) ? " " + c : c.ToString()));

    private sealed class TranslatingMessageFormatter : MessageFormatter
    {
        public override string BuildMessage(string messageTemplate) => base.BuildMessage(ProductText.Translate(messageTemplate));
    }
}
