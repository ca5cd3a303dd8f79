using HostingPanel.Application.Common;

namespace HostingPanel.Application.Bulk;

/// <summary>Errors of one line by CSV column; the services' field names (LocalPart, QuotaMb, ...) become the file's columns.</summary>
internal sealed class BulkLineErrors
{
    private readonly Dictionary<string, List<string>> _errors = new(StringComparer.Ordinal);

    public bool Any => _errors.Count > 0;

    public void Add(string column, string message)
    {
        if (!_errors.TryGetValue(column, out var list)) _errors[column] = list = [];
        if (!list.Contains(message)) list.Add(message);
    }

    public void Add(IReadOnlyDictionary<string, string[]> serviceErrors, BulkCsvKind kind)
    {
        foreach (var (field, messages) in serviceErrors)
            foreach (var m in messages) Add(Column(field, kind), m);
    }

    public void Add(Failure failure, BulkCsvKind kind)
    {
        if (failure.Errors.Count == 0) Add("line", failure.Message);
        else Add(failure.Errors, kind);
    }

    public IReadOnlyDictionary<string, string[]> ToDictionary() => _errors.ToDictionary(e => e.Key, e => e.Value.ToArray());

    private static string Column(string field, BulkCsvKind kind)
    {
        var name = field.Contains('[') ? field[..field.IndexOf('[')] : field;
        return name switch
        {
            "LocalPart" or "localPart" => kind == BulkCsvKind.Aliases ? "alias" : "address",
            "DisplayName" => "name",
            "QuotaMb" => "quotaMb",
            "Password" => "password",
            "PasswordHash" => "passwordHash",
            "ForwardTo" => "forwardTo",
            "Destinations" => "destinations",
            "ImapEnabled" => "imap",
            "Pop3Enabled" => "pop3",
            _ => name.Length == 0 ? "line" : char.ToLowerInvariant(name[0]) + name[1..],
        };
    }
}
