using System.Globalization;
using HostingPanel.Application.Mailboxes;
using HostingPanel.Data.Identity;
using HostingPanel.MailEngine.Sieve;
using HostingPanel.Web.Features.Shared;
using Microsoft.AspNetCore.Mvc;

namespace HostingPanel.Web.Features.MyMailbox;

/// <summary>
/// The owner's mail filters (portal and webmail): out-of-office and simple rules as forms that write Sieve,
/// and the raw script with its validation.
/// </summary>
[Route("my/filters"), RolesOr404(Roles.MailboxUser)]
public sealed class MyFiltersController(MailboxService mailboxes, IMailFilterAdmin filters) : PortalController
{
    private const int BlankRules = 3;

    [HttpGet("")]
    public async Task<IActionResult> Index(CancellationToken ct)
    {
        var page = await LoadAsync(ct);
        return page is null ? NotFound() : View("~/Features/MyMailbox/Filters.cshtml", page);
    }

    [HttpPost("")]
    public async Task<IActionResult> Save(FiltersForm form, CancellationToken ct)
    {
        var address = await AddressAsync(ct);
        if (address is null) return NotFound();
        var settings = form.ToSettings();
        var invalid = MailFilterValidation.Validate(settings);
        var result = invalid.Count > 0 ? new MailFilterResult(invalid) : await filters.SaveAsync(address, settings, ct);
        if (result.Succeeded)
        {
            Flash("Your filters and out-of-office reply were saved.");
            return Redirect("/my/filters");
        }
        foreach (var (field, messages) in result.Errors)
            foreach (var message in messages)
                ModelState.AddModelError(FiltersForm.FieldName(field), message);
        var page = await LoadAsync(ct);
        return View("~/Features/MyMailbox/Filters.cshtml", page! with { Form = form.WithBlankRules(BlankRules) });
    }

    [HttpPost("script")]
    public async Task<IActionResult> Script(string? script, string? check, CancellationToken ct)
    {
        var address = await AddressAsync(ct);
        if (address is null) return NotFound();
        script ??= "";
        var page = (await LoadAsync(ct))! with { RawScript = script };
        if (check is not null)
        {
            var error = filters.Check(script);
            if (error is null) Flash("The script is valid.");
            else ModelState.AddModelError("script", error);
            return View("~/Features/MyMailbox/Filters.cshtml", page);
        }
        var result = await filters.SaveScriptAsync(address, script, ct);
        if (result.Succeeded)
        {
            Flash("Your script was saved and is active.");
            return Redirect("/my/filters");
        }
        foreach (var message in result.Errors.Values.SelectMany(m => m))
            ModelState.AddModelError("script", message);
        return View("~/Features/MyMailbox/Filters.cshtml", page);
    }

    private async Task<string?> AddressAsync(CancellationToken ct)
    {
        var own = await mailboxes.GetOwnAsync(ct);
        return own.Succeeded ? own.Value!.Address : null;
    }

    private async Task<FiltersPage?> LoadAsync(CancellationToken ct)
    {
        var address = await AddressAsync(ct);
        if (address is null) return null;
        var state = await filters.GetAsync(address, ct);
        var form = FiltersForm.From(state?.Settings).WithBlankRules(BlankRules);
        return new FiltersPage(address, form, state?.Script, state?.Script ?? "", state?.Settings is null && state?.Script is not null, state?.VacationActive ?? false);
    }
}

/// <param name="HandWritten">The active script was not written by these forms: saving them replaces it.</param>
public sealed record FiltersPage(string Address, FiltersForm Form, string? ActiveScript, string RawScript, bool HandWritten, bool VacationActive);

public sealed class FiltersForm
{
    public bool VacationEnabled { get; set; }
    public string? VacationSubject { get; set; }
    public string? VacationText { get; set; }
    public string? VacationStart { get; set; }
    public string? VacationEnd { get; set; }
    /// <summary>Further addresses, one per line.</summary>
    public string? VacationAddresses { get; set; }
    public int VacationDays { get; set; } = 7;
    public List<RuleRow> Rules { get; set; } = [];

    public sealed class RuleRow
    {
        public string Field { get; set; } = "from";
        public string Operator { get; set; } = "contains";
        public string? Value { get; set; }
        public string Action { get; set; } = "move";
        public string? Target { get; set; }
    }

    public MailFilterSettings ToSettings() => new(
        new VacationSettings(VacationEnabled, (VacationSubject ?? "").Trim(), (VacationText ?? "").ReplaceLineEndings("\r\n"),
            ParseDate(VacationStart), ParseDate(VacationEnd),
            (VacationAddresses ?? "").Split(['\n', '\r', ',', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            VacationDays),
        // A row left empty is no rule.
        Rules.Where(r => !string.IsNullOrWhiteSpace(r.Value))
            .Select(r => new FilterRule(r.Field, r.Operator, r.Value!.Trim(), r.Action, string.IsNullOrWhiteSpace(r.Target) ? null : r.Target.Trim())).ToList());

    private static DateOnly? ParseDate(string? text) =>
        DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d) ? d : null;

    public static FiltersForm From(MailFilterSettings? settings)
    {
        if (settings is null) return new FiltersForm();
        var v = settings.Vacation;
        return new FiltersForm
        {
            VacationEnabled = v.Enabled,
            VacationSubject = v.Subject,
            VacationText = v.Text,
            VacationStart = v.Start?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            VacationEnd = v.End?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            VacationAddresses = string.Join("\n", v.Addresses),
            VacationDays = v.Days,
            Rules = settings.Rules.Select(r => new RuleRow { Field = r.Field, Operator = r.Operator, Value = r.Value, Action = r.Action, Target = r.Target }).ToList(),
        };
    }

    public FiltersForm WithBlankRules(int blanks)
    {
        Rules = Rules.Where(r => !string.IsNullOrWhiteSpace(r.Value)).ToList();
        for (var i = 0; i < blanks; i++)
            Rules.Add(new RuleRow());
        return this;
    }

    /// <summary>The engine's error key ("vacation.subject", "rules[1].target") as the form's field name.</summary>
    public static string FieldName(string key) => key switch
    {
        "vacation.subject" => nameof(VacationSubject),
        "vacation.text" => nameof(VacationText),
        "vacation.end" => nameof(VacationEnd),
        "vacation.days" => nameof(VacationDays),
        "vacation.addresses" => nameof(VacationAddresses),
        // "rules[2].target" -> "Rules[2].Target", the input's name.
        _ when key.StartsWith("rules[", StringComparison.Ordinal) && key.IndexOf("].", StringComparison.Ordinal) is > 0 and var dot =>
            "Rules" + key[5..(dot + 2)] + char.ToUpperInvariant(key[dot + 2]) + key[(dot + 3)..],
        _ => "",
    };
}
