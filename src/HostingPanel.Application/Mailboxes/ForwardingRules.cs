using FluentValidation;

namespace HostingPanel.Application.Mailboxes;

/// <summary>
/// The one set of rules for a mailbox's forwarding, whether its owner sets it in the portal or staff, a reseller or a
/// customer set it through the API: the same limit and the same messages.
/// </summary>
public static class ForwardingRules
{
    public const int MaxTargets = 10;
    public const string TooMany = "You can forward to at most 10 addresses.";
    public const string ToItself = "A mailbox cannot forward to itself.";
    public const string ReachesNobody = "With these addresses mail to this mailbox would come back to it and reach nobody, as it keeps no copy. Keep a copy or choose other addresses.";

    public static IRuleBuilderOptions<T, List<string>?> ForwardTargetCount<T>(this IRuleBuilder<T, List<string>?> rule) =>
        rule.Must(l => l is null || l.Count <= MaxTargets).WithMessage(TooMany);

    /// <summary>Each address is checked only within the limit: a 1 MB body of addresses must not cost a million parses and errors.</summary>
    public static bool WithinLimit(List<string>? list) => list is { Count: <= MaxTargets };
}
