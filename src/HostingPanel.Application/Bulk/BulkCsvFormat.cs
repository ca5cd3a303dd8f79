using CsvHelper;

namespace HostingPanel.Application.Bulk;

public enum BulkCsvKind { Mailboxes, Aliases }

/// <summary>One data line of an import file: its line number in the file and its fields by column name, or why it cannot be read.</summary>
public sealed record BulkCsvRow(int Line, IReadOnlyDictionary<string, string> Fields, string? Malformed)
{
    public string Get(string column) => Fields.TryGetValue(column, out var v) ? v : "";
    public bool Has(string column) => Fields.TryGetValue(column, out var v) && v.Length > 0;
}

public sealed record BulkCsvFile(BulkCsvKind Kind, IReadOnlyList<BulkCsvRow> Rows);

/// <summary>Why a whole file is refused (before any line is looked at): the API answers 400 or 413 with it.</summary>
public sealed class BulkCsvFileException(string message, bool tooLarge = false) : Exception(message)
{
    public bool TooLarge { get; } = tooLarge;
}

/// <summary>
/// The bulk CSV format (RFC 4180, UTF-8, comma separated, first line a header), read and written with CsvHelper.
/// A mailbox file has the columns <see cref="MailboxColumns"/> (only <c>address</c> is required; the others may be
/// left out or empty, which keeps what the mailbox has); an alias file has <see cref="AliasColumns"/>.
/// Hostile input is bounded before anything is parsed: <see cref="MaxBytes"/>, <see cref="MaxLines"/>,
/// <see cref="MaxFieldLength"/>. Text cells that a spreadsheet would run as a formula (starting with = + - @,
/// tab or CR) are written with a leading apostrophe, and the apostrophe is taken off again when read, so an
/// export imports back unchanged.
/// </summary>
public static class BulkCsvFormat
{
    public const int MaxBytes = 2 * 1024 * 1024;
    public const int MaxLines = 5000;
    public const int MaxFieldLength = 4096;

    public static readonly string[] MailboxColumns = ["address", "name", "quotaMb", "password", "passwordHash", "imap", "pop3", "forwardTo"];
    public static readonly string[] AliasColumns = ["alias", "destinations"];

    /// <summary>The characters that make a spreadsheet read a cell as a formula (OWASP "CSV injection"), plus the escape itself.</summary>
    private const string FormulaStarts = "=+-@\t\r";
    private const char FormulaEscape = '\'';

    /// <summary>Separators accepted inside list cells (forwardTo, destinations); written as a single space.</summary>
    public static readonly char[] ListSeparators = [' ', ',', ';'];

    public static BulkCsvFile Read(ReadOnlyMemory<byte> csv)
    {
        BulkCsvKind kind = default;
        var rows = ReadRows(csv, headers => kind = KindOf(headers));
        return new BulkCsvFile(kind, rows);
    }

    /// <summary>
    /// The data lines of any file in this CSV format (the same bounds, quoting rules and formula escapes), after
    /// <paramref name="checkHeader"/> accepted the header (it throws <see cref="BulkCsvFileException"/> otherwise).
    /// </summary>
    public static IReadOnlyList<BulkCsvRow> ReadRows(ReadOnlyMemory<byte> csv, Action<string[]> checkHeader)
    {
        if (csv.Length > MaxBytes) throw new BulkCsvFileException($"The file can have at most {MaxBytes} bytes.", tooLarge: true);
        var malformed = new Dictionary<long, string>();
        var options = CsvReaderOptions.Default with
        {
            Separator = ',',
            DetectSeparatorHint = false,
            TrimWhitespace = true,
            // A stray quote ends at the line, so one bad quote cannot swallow the rest of the file.
            AllowLineBreaksInQuotes = false,
            IncludeValuesInExceptions = false,
            OnMalformedRecord = m => malformed[m.RecordNumber] = m.Reason switch
            {
                CsvMalformedReason.StrayQuote => "A quote inside an unquoted field: enclose the field in quotes and double the quotes inside.",
                CsvMalformedReason.TextAfterClosingQuote => "Text after a closing quote: double the quotes inside a quoted field.",
                CsvMalformedReason.UnterminatedQuote or CsvMalformedReason.LineBreakInQuotes => "A quoted field is not closed on its line.",
                _ => "The line is not valid CSV.",
            },
        };
        using var reader = CsvReader.Create(csv, options);
        reader.ReadHeader();
        var headers = reader.Headers.Select(h => h.Trim()).ToArray();
        if (headers.Length == 0) throw new BulkCsvFileException("The file is empty: the first line must be a header.");
        var duplicate = headers.GroupBy(h => h, StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new BulkCsvFileException($"The header names the column '{duplicate.Key}' twice.");
        checkHeader(headers);
        var rows = new List<BulkCsvRow>();
        var line = 1;
        while (reader.Read())
        {
            // Lines are counted as a person sees them in the file: the header is line 1.
            line = (int)reader.RowNumber + 1;
            if (rows.Count >= MaxLines) throw new BulkCsvFileException($"The file can have at most {MaxLines} lines after the header.", tooLarge: true);
            if (malformed.TryGetValue(reader.RowNumber + 1, out var why))
            {
                rows.Add(new BulkCsvRow(line, Empty, why));
                continue;
            }
            if (reader.FieldCount != headers.Length)
            {
                rows.Add(new BulkCsvRow(line, Empty, $"The line has {reader.FieldCount} fields; the header has {headers.Length}."));
                continue;
            }
            var fields = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            string? tooLong = null;
            for (var i = 0; i < headers.Length; i++)
            {
                var value = reader.GetString(i);
                if (value.Length > MaxFieldLength) tooLong = $"The field {headers[i]} has more than {MaxFieldLength} characters.";
                fields[headers[i]] = Unescape(value);
            }
            rows.Add(tooLong is null ? new BulkCsvRow(line, fields, null) : new BulkCsvRow(line, Empty, tooLong));
        }
        return rows;
    }

    private static BulkCsvKind KindOf(string[] headers)
    {
        var isAlias = headers.Contains("alias", StringComparer.OrdinalIgnoreCase);
        var known = isAlias ? AliasColumns : MailboxColumns;
        var unknown = headers.FirstOrDefault(h => !known.Contains(h, StringComparer.OrdinalIgnoreCase));
        if (unknown is not null)
        {
            throw new BulkCsvFileException(isAlias
                ? $"Unknown column '{Printable(unknown)}': an alias file has the columns {string.Join(",", AliasColumns)}."
                : $"Unknown column '{Printable(unknown)}': a mailbox file has the columns {string.Join(",", MailboxColumns)}, an alias file {string.Join(",", AliasColumns)}.");
        }
        if (isAlias && !headers.Contains("destinations", StringComparer.OrdinalIgnoreCase))
            throw new BulkCsvFileException("An alias file needs the column 'destinations'.");
        if (!isAlias && !headers.Contains("address", StringComparer.OrdinalIgnoreCase))
            throw new BulkCsvFileException($"The first line must be a header: {string.Join(",", MailboxColumns)} for mailboxes or {string.Join(",", AliasColumns)} for aliases.");
        return isAlias ? BulkCsvKind.Aliases : BulkCsvKind.Mailboxes;
    }

    /// <summary>Writes rows under a header; every text cell is protected from being run as a formula.</summary>
    public static void Write(Stream destination, string[] header, IEnumerable<string?[]> rows)
    {
        // CsvHelper's own injection escape cannot also escape the escape character, which the round trip needs.
        using var writer = CsvWriter.Create(destination, CsvWriterOptions.Default, leaveOpen: true);
        foreach (var h in header) writer.WriteField(h);
        writer.EndRecord();
        foreach (var row in rows)
        {
            foreach (var cell in row)
            {
                var value = cell ?? "";
                if (value.Length > 0 && (FormulaStarts + FormulaEscape).Contains(value[0])) writer.WriteField(FormulaEscape + value, CsvQuoting.Always);
                else writer.WriteField(value);
            }
            writer.EndRecord();
        }
        writer.Flush();
    }

    public static IReadOnlyList<string> SplitList(string cell) =>
        cell.Split(ListSeparators, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>Takes off the apostrophe that an export put in front of a cell a spreadsheet would run as a formula.</summary>
    private static string Unescape(string value) =>
        value.Length >= 2 && value[0] == FormulaEscape && (FormulaStarts + FormulaEscape).Contains(value[1]) ? value[1..] : value;

    public static string Printable(string s) => new(s.Take(40).Select(c => char.IsControl(c) ? '?' : c).ToArray());

    private static readonly IReadOnlyDictionary<string, string> Empty = new Dictionary<string, string>();
}
