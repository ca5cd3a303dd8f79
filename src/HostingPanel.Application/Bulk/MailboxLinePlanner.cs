using FluentValidation;
using HostingPanel.Application.Common;
using HostingPanel.Application.Mailboxes;
using HostingPanel.Data.Model;

namespace HostingPanel.Application.Bulk;

/// <summary>One mailbox line, parsed and checked: what it would create or change, or why it is refused.</summary>
internal sealed record MailboxLinePlan(
    BulkLineResult Result,
    CreateMailboxInput? Create = null,
    UpdateMailboxInput? Update = null,
    string? NewPasswordHash = null,
    IReadOnlyList<string>? ForwardTo = null,
    bool? Imap = null,
    bool? Pop3 = null);

/// <summary>
/// Plans a mailbox line with the portal's own validators and the plan's limits, against the usage that the lines
/// before it take. Empty cells keep what an existing mailbox has; <c>forwardTo</c> "-" removes every forward.
/// </summary>
internal sealed class MailboxLinePlanner(
    IValidator<CreateMailboxInput> createValidator,
    IValidator<UpdateMailboxInput> updateValidator,
    ForwardingReach forwardingReach,
    Actor actor)
{
    public const int MaxForwards = 10;
    public const string NoForwards = "-";

    public async Task<MailboxLinePlan> PlanAsync(BulkCsvRow row, BulkImportContext context, CancellationToken ct)
    {
        var errors = new BulkLineErrors();
        var written = row.Get("address");
        if (row.Malformed is { } why) return Refuse(row, written, "line", why);
        if (!EmailAddress.TryParse(written, out var address, out var addressError)) return Refuse(row, written, "address", addressError);
        if (address!.Domain.Value != context.Domain.Name) return Refuse(row, address.Value, "address", $"The address is not in {context.Domain.Name}.");
        if (context.SeenBefore(address.Value, row.Line) is { } first) return Refuse(row, address.Value, "address", $"{address.Value} is already on line {first} of this file.");

        long? quota = null;
        if (row.Has("quotaMb"))
        {
            if (long.TryParse(row.Get("quotaMb"), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var q)) quota = q;
            else errors.Add("quotaMb", "The quota must be a whole number of MB.");
        }
        var imap = ParseBool(row, "imap", errors);
        var pop3 = ParseBool(row, "pop3", errors);
        var forwards = ParseForwards(row, address.Value, errors);
        var name = row.Has("name") ? row.Get("name") : null;
        var password = row.Has("password") ? row.Get("password") : null;
        var hash = row.Has("passwordHash") ? row.Get("passwordHash") : null;

        var localPart = address.LocalPart.Value;
        return context.Mailboxes.TryGetValue(localPart, out var existing)
            ? await PlanChangeAsync(row, address.Value, existing, quota, name, password, hash, imap, pop3, forwards, errors, context, ct)
            : await PlanCreateAsync(row, address.Value, localPart, quota, name, password, hash, imap, pop3, forwards, errors, context, ct);
    }

    private async Task<MailboxLinePlan> PlanCreateAsync(BulkCsvRow row, string address, string localPart, long? quota, string? name,
        string? password, string? hash, bool? imap, bool? pop3, IReadOnlyList<string>? forwards, BulkLineErrors errors,
        BulkImportContext context, CancellationToken ct)
    {
        if (context.IsTaken(localPart)) return Refuse(row, address, "address", $"{address} already exists.");
        if (quota is null && !errors.Any) errors.Add("quotaMb", "Enter a quota in MB for a new mailbox.");
        var input = new CreateMailboxInput { LocalPart = localPart, Password = password, PasswordHash = hash, QuotaMb = quota ?? 1, DisplayName = name };
        var validation = await createValidator.ValidateAsync(input, ct);
        if (!validation.IsValid) errors.Add(Failure.FromValidation(validation).Errors, BulkCsvKind.Mailboxes);
        if (errors.Any) return Refuse(row, address, errors);

        var violation = context.Customer.AllocateMailbox(context.Usage, quota!.Value);
        if (violation is not null) return Refuse(row, address, violation.Limit == "disk" ? "quotaMb" : "address", violation.Message);
        context.Usage = context.Usage with { Mailboxes = context.Usage.Mailboxes + 1, QuotaMb = context.Usage.QuotaMb + quota.Value };

        var changes = new List<string> { $"quota {quota} MB" };
        if (name is not null) changes.Add($"name {name}");
        changes.Add(hash is null ? "password" : "password hash");
        if (imap == false || pop3 == false) changes.Add($"imap {OnOff(imap ?? true)}, pop3 {OnOff(pop3 ?? true)}");
        if (forwards is { Count: > 0 }) changes.Add($"forward to {string.Join(" ", forwards)}");
        return new MailboxLinePlan(Result(row, address, BulkAction.Create, changes), Create: input,
            ForwardTo: forwards is { Count: > 0 } ? forwards : null,
            Imap: imap == false || pop3 == false ? imap ?? true : null,
            Pop3: imap == false || pop3 == false ? pop3 ?? true : null);
    }

    private async Task<MailboxLinePlan> PlanChangeAsync(BulkCsvRow row, string address, Mailbox existing, long? quota, string? name,
        string? password, string? hash, bool? imap, bool? pop3, IReadOnlyList<string>? forwards, BulkLineErrors errors,
        BulkImportContext context, CancellationToken ct)
    {
        var changes = new List<string>();
        var update = new UpdateMailboxInput();
        if (quota is { } q && q != existing.QuotaMb)
        {
            if (actor.IsSupport) errors.Add("quotaMb", "Support staff cannot change quotas.");
            update.QuotaMb = q;
            changes.Add($"quota {existing.QuotaMb} -> {q} MB");
        }
        if (name is not null && name.Trim() != (existing.DisplayName ?? "")) { update.DisplayName = name; changes.Add($"name {name}"); }
        if (password is not null && hash is not null) errors.Add("password", "Give either a password or a password hash, not both.");
        if (password is not null) { update.Password = password; changes.Add("password"); }
        string? newHash = null;
        if (hash is not null && hash != existing.PasswordHash)
        {
            // The create validator's hash rule, on its own: the same message as the API's.
            var check = await createValidator.ValidateAsync(new CreateMailboxInput { LocalPart = existing.LocalPart, PasswordHash = hash, QuotaMb = 1 }, ct);
            foreach (var e in check.Errors.Where(e => e.PropertyName == nameof(CreateMailboxInput.PasswordHash))) errors.Add("passwordHash", e.ErrorMessage);
            newHash = hash;
            changes.Add("password hash");
        }
        bool? newImap = null, newPop3 = null;
        if ((imap is { } i && i != existing.ImapEnabled) || (pop3 is { } p && p != existing.Pop3Enabled))
        {
            update.ImapEnabled = newImap = imap ?? existing.ImapEnabled;
            update.Pop3Enabled = newPop3 = pop3 ?? existing.Pop3Enabled;
            changes.Add($"imap {OnOff(newImap.Value)}, pop3 {OnOff(newPop3.Value)}");
        }
        IReadOnlyList<string>? newForwards = null;
        var current = existing.Forwards.Select(f => f.Address).Order(StringComparer.Ordinal).ToList();
        if (forwards is not null && !forwards.Order(StringComparer.Ordinal).SequenceEqual(current))
        {
            newForwards = forwards;
            changes.Add(forwards.Count == 0 ? "no forwarding" : $"forward to {string.Join(" ", forwards)}");
        }

        // The owner's rule, as the settings page and the API apply it: a forward-only mailbox must not forward into a
        // loop that comes back to it and reaches nobody (its mail would vanish into a refusal).
        if (newForwards is { Count: > 0 } && !existing.KeepCopyWhenForwarding && !errors.Any
            && await forwardingReach.ReachesNobodyAsync(address, newForwards, ct))
            errors.Add("forwardTo", ForwardingRules.ReachesNobody);

        var validation = await updateValidator.ValidateAsync(update, ct);
        if (!validation.IsValid) errors.Add(Failure.FromValidation(validation).Errors, BulkCsvKind.Mailboxes);
        if (errors.Any) return Refuse(row, address, errors);

        if (update.QuotaMb is { } newQuota)
        {
            var violation = context.Customer.ResizeMailbox(context.Usage, existing.QuotaMb, newQuota);
            if (violation is not null) return Refuse(row, address, "quotaMb", violation.Message);
            context.Usage = context.Usage with { QuotaMb = context.Usage.QuotaMb - existing.QuotaMb + newQuota };
        }
        if (changes.Count == 0) return new MailboxLinePlan(Result(row, address, BulkAction.Unchanged, []));
        var needsUpdate = update.QuotaMb is not null || update.DisplayName is not null || update.Password is not null || newImap is not null;
        return new MailboxLinePlan(Result(row, address, BulkAction.Change, changes), Update: needsUpdate ? update : null,
            NewPasswordHash: newHash, ForwardTo: newForwards);
    }

    private static bool? ParseBool(BulkCsvRow row, string column, BulkLineErrors errors)
    {
        if (!row.Has(column)) return null;
        switch (row.Get(column).ToLowerInvariant())
        {
            case "true" or "yes" or "1" or "on": return true;
            case "false" or "no" or "0" or "off": return false;
            default:
                errors.Add(column, "Write true or false.");
                return null;
        }
    }

    /// <summary>The forwards a line asks for (null: keep; empty: none), checked as the owner's settings page checks them.</summary>
    private static IReadOnlyList<string>? ParseForwards(BulkCsvRow row, string self, BulkLineErrors errors)
    {
        if (!row.Has("forwardTo")) return null;
        var cell = row.Get("forwardTo");
        if (cell == NoForwards) return [];
        var list = new List<string>();
        foreach (var item in BulkCsvFormat.SplitList(cell))
        {
            if (!EmailAddress.TryParse(item, out var a, out var error)) { errors.Add("forwardTo", error); continue; }
            if (a!.Value != self && !list.Contains(a.Value)) list.Add(a.Value);
        }
        if (list.Count > MaxForwards) errors.Add("forwardTo", $"You can forward to at most {MaxForwards} addresses.");
        return list;
    }

    private static string OnOff(bool on) => on ? "on" : "off";

    private static BulkLineResult Result(BulkCsvRow row, string address, BulkAction action, IReadOnlyList<string> changes) =>
        new(row.Line, address, action, changes, new Dictionary<string, string[]>());

    private static MailboxLinePlan Refuse(BulkCsvRow row, string address, string column, string message)
    {
        var errors = new BulkLineErrors();
        errors.Add(column, message);
        return Refuse(row, address, errors);
    }

    private static MailboxLinePlan Refuse(BulkCsvRow row, string address, BulkLineErrors errors) =>
        new(new BulkLineResult(row.Line, address, BulkAction.Refuse, [], errors.ToDictionary()));
}
