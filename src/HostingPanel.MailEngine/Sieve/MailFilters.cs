namespace HostingPanel.MailEngine.Sieve;

/// <summary>An out-of-office reply as the portal's form has it (RFC 5230 vacation, RFC 5260 currentdate for the dates).</summary>
/// <param name="Start">First day it answers (UTC), or null: from now.</param>
/// <param name="End">Last day it answers (UTC), or null: until switched off.</param>
/// <param name="Addresses">Further addresses of the mailbox (aliases) mail to which is answered too.</param>
public sealed record VacationSettings(bool Enabled, string Subject, string Text, DateOnly? Start, DateOnly? End, IReadOnlyList<string> Addresses, int Days = 7);

/// <summary>One simple rule: a condition on From, To (or Cc), Subject or size, and one action.</summary>
/// <param name="Field">"from", "to", "subject" or "size".</param>
/// <param name="Operator">"contains" or "is" for text; "over" or "under" (KiB) for size.</param>
/// <param name="Action">"move", "copy" (a folder), "flag", "forward" (an address) or "discard".</param>
/// <param name="Target">The folder (move, copy) or address (forward).</param>
public sealed record FilterRule(string Field, string Operator, string Value, string Action, string? Target);

public sealed record MailFilterSettings(VacationSettings Vacation, IReadOnlyList<FilterRule> Rules);

/// <param name="Settings">The form's settings when the active script is the portal's own; null when it was written by hand.</param>
/// <param name="Script">The active script's text (null: none).</param>
/// <param name="VacationActive">Whether a vacation reply may go out now (enabled and inside its dates; for a hand-written script: it uses vacation).</param>
public sealed record MailFilterState(MailFilterSettings? Settings, string? Script, string? ActiveScriptName, bool VacationActive);

/// <summary>Field errors keyed like the form ("vacation.subject", "rules[2].target", "script").</summary>
public sealed record MailFilterResult(IReadOnlyDictionary<string, string[]> Errors)
{
    public bool Succeeded => Errors.Count == 0;
    public static readonly MailFilterResult Ok = new(new Dictionary<string, string[]>());
    public static MailFilterResult Error(string field, string message) => new(new Dictionary<string, string[]> { [field] = [message] });
}

/// <summary>
/// The engine's front door for mail filters: what the portal, webmail, staff pages and the API use. Forms
/// become one Sieve script ("hostingpanel") that carries its settings in a comment, so the form reads back
/// what it wrote; a script written by hand (ManageSieve or the raw view) is shown as it is.
/// </summary>
public interface IMailFilterAdmin
{
    /// <summary>Null when there is no such mailbox.</summary>
    Task<MailFilterState?> GetAsync(string address, CancellationToken ct = default);

    Task<MailFilterResult> SaveAsync(string address, MailFilterSettings settings, CancellationToken ct = default);

    /// <summary>Stores a hand-written script as the active one (line-numbered error under "script").</summary>
    Task<MailFilterResult> SaveScriptAsync(string address, string script, CancellationToken ct = default);

    /// <summary>Validates a script without storing it: null, or the error with its line.</summary>
    string? Check(string script);

    /// <summary>
    /// Staff and API: no more vacation replies. The portal's script is written again without its reply; a
    /// hand-written script that uses vacation is deactivated (its text stays). False: no such mailbox.
    /// </summary>
    Task<bool> SwitchOffVacationAsync(string address, CancellationToken ct = default);
}

/// <summary>The forms' rules, for callers that validate before reaching the engine (a portal node without the Mail role).</summary>
public static class MailFilterValidation
{
    public static IReadOnlyDictionary<string, string[]> Validate(MailFilterSettings settings) => SieveFilterScript.Validate(settings);
}
