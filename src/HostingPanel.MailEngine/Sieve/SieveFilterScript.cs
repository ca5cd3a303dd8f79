using System.Globalization;
using System.Text;
using System.Text.Json;

namespace HostingPanel.MailEngine.Sieve;

/// <summary>The portal's forms to Sieve and back: the generated script starts with its settings as a comment.</summary>
internal static class SieveFilterScript
{
    public const string ScriptName = "hostingpanel";
    private const string SettingsMarker = "# hostingpanel-settings: ";
    public const int MaxRules = 50;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static string Generate(MailFilterSettings settings)
    {
        var sb = new StringBuilder();
        sb.Append("# Written by the HostingPanel portal from its forms. Editing it by hand turns the forms off.\r\n");
        sb.Append(SettingsMarker).Append(Convert.ToBase64String(JsonSerializer.SerializeToUtf8Bytes(settings, Json))).Append("\r\n");
        sb.Append("require [\"fileinto\", \"copy\", \"imap4flags\", \"mailbox\", \"vacation\", \"date\", \"relational\"];\r\n");
        var v = settings.Vacation;
        if (v.Enabled)
        {
            var conditions = new List<string>();
            if (v.Start is { } start)
                conditions.Add($"currentdate :value \"ge\" \"date\" \"{start:yyyy-MM-dd}\"");
            if (v.End is { } end)
                conditions.Add($"currentdate :value \"le\" \"date\" \"{end:yyyy-MM-dd}\"");
            var vacation = new StringBuilder("vacation :days ").Append(v.Days.ToString(CultureInfo.InvariantCulture));
            if (v.Subject.Length > 0)
                vacation.Append(" :subject ").Append(Quote(v.Subject));
            if (v.Addresses.Count > 0)
                vacation.Append(" :addresses [").Append(string.Join(", ", v.Addresses.Select(Quote))).Append(']');
            vacation.Append(' ').Append(Quote(v.Text)).Append(';');
            if (conditions.Count == 0)
                sb.Append(vacation).Append("\r\n");
            else
                sb.Append("if allof (").Append(string.Join(", ", conditions)).Append(") {\r\n    ").Append(vacation).Append("\r\n}\r\n");
        }
        foreach (var rule in settings.Rules)
            sb.Append("if ").Append(Condition(rule)).Append(" {\r\n    ").Append(Action(rule)).Append("\r\n}\r\n");
        return sb.ToString();
    }

    private static string Condition(FilterRule rule) => rule.Field switch
    {
        "size" => $"size :{rule.Operator} {long.Parse(rule.Value, CultureInfo.InvariantCulture)}K",
        "to" => $"header :{rule.Operator} [\"to\", \"cc\"] {Quote(rule.Value)}",
        _ => $"header :{rule.Operator} \"{rule.Field}\" {Quote(rule.Value)}",
    };

    private static string Action(FilterRule rule) => rule.Action switch
    {
        "move" => $"fileinto :create {Quote(rule.Target!)};",
        "copy" => $"fileinto :copy :create {Quote(rule.Target!)};",
        "flag" => "addflag \"\\\\Flagged\";",
        "forward" => $"redirect :copy {Quote(rule.Target!)};",
        _ => "discard;",
    };

    private static string Quote(string text) => "\"" + text.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";

    /// <summary>The settings a generated script carries; null for any other script.</summary>
    public static MailFilterSettings? ReadSettings(string script)
    {
        var start = script.IndexOf(SettingsMarker, StringComparison.Ordinal);
        if (start < 0)
            return null;
        var end = script.IndexOf('\r', start);
        var text = script[(start + SettingsMarker.Length)..(end < 0 ? script.Length : end)].Trim();
        try
        {
            var settings = JsonSerializer.Deserialize<MailFilterSettings>(Convert.FromBase64String(text), Json);
            // Edited by hand below the marker: the forms would overwrite the edit, so treat it as hand-written.
            return settings is not null && Generate(settings) == script ? settings : null;
        }
        catch (Exception e) when (e is FormatException or JsonException)
        {
            return null;
        }
    }

    public static Dictionary<string, string[]> Validate(MailFilterSettings settings)
    {
        var errors = new Dictionary<string, string[]>();
        void Add(string field, string message) => errors[field] = [.. errors.GetValueOrDefault(field, []), message];
        var v = settings.Vacation;
        if (v.Enabled && string.IsNullOrWhiteSpace(v.Text))
            Add("vacation.text", "Write the reply text.");
        if (v.Text.Length > 4000)
            Add("vacation.text", "At most 4,000 characters.");
        if (v.Subject.Length > 200 || v.Subject.Any(char.IsControl))
            Add("vacation.subject", "One line of at most 200 characters.");
        if (v.Start is { } s && v.End is { } e && e < s)
            Add("vacation.end", "The last day cannot be before the first.");
        if (v.Days is < 1 or > 60)
            Add("vacation.days", "Between 1 and 60 days.");
        if (v.Addresses.Count > 20)
            Add("vacation.addresses", "At most 20 addresses.");
        foreach (var a in v.Addresses)
            if (SieveAddresses.ParseSingle(a) is null)
                Add("vacation.addresses", $"'{a}' is not an email address.");
        if (settings.Rules.Count > MaxRules)
            Add("rules", $"At most {MaxRules} rules.");
        for (var i = 0; i < settings.Rules.Count; i++)
        {
            var r = settings.Rules[i];
            var key = $"rules[{i}]";
            if (r.Field is not ("from" or "to" or "subject" or "size"))
                Add(key + ".field", "Choose From, To, Subject or Size.");
            if (r.Field == "size")
            {
                if (r.Operator is not ("over" or "under"))
                    Add(key + ".operator", "Size is over or under a number of KiB.");
                if (!long.TryParse(r.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var kib) || kib is < 1 or > 4_000_000)
                    Add(key + ".value", "A size in KiB (1 to 4,000,000).");
            }
            else
            {
                if (r.Operator is not ("contains" or "is"))
                    Add(key + ".operator", "Text either contains or is the value.");
                if (string.IsNullOrEmpty(r.Value) || r.Value.Length > 200 || r.Value.Any(char.IsControl))
                    Add(key + ".value", "One line of 1 to 200 characters.");
            }
            switch (r.Action)
            {
                case "move" or "copy":
                    if (r.Target is null || !SieveMailboxNames.IsValid(r.Target))
                        Add(key + ".target", "Name a folder (subfolders with '/').");
                    break;
                case "forward":
                    if (r.Target is null || SieveAddresses.ParseSingle(r.Target) is null)
                        Add(key + ".target", "Name the email address to forward to.");
                    break;
                case "flag" or "discard":
                    break;
                default:
                    Add(key + ".action", "Choose move, copy, flag, forward or discard.");
                    break;
            }
        }
        return errors;
    }
}
