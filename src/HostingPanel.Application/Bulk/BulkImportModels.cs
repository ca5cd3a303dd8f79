namespace HostingPanel.Application.Bulk;

/// <summary>What an import does (or, in a dry run, would do) with one line.</summary>
public enum BulkAction
{
    /// <summary>A new mailbox or alias.</summary>
    Create,
    /// <summary>An existing one with different settings; <see cref="BulkLineResult.Changes"/> says which.</summary>
    Change,
    /// <summary>An existing one that already has exactly these settings (an export imported back).</summary>
    Unchanged,
    /// <summary>Not applied; <see cref="BulkLineResult.Errors"/> says why, with the portal's messages.</summary>
    Refuse,
}

/// <param name="Line">The line in the file (the header is line 1).</param>
/// <param name="Address">The address the line names, as written when it could not be read.</param>
/// <param name="Errors">Why a line is refused, by column (or "line" for the whole line).</param>
public sealed record BulkLineResult(
    int Line,
    string Address,
    BulkAction Action,
    IReadOnlyList<string> Changes,
    IReadOnlyDictionary<string, string[]> Errors)
{
    /// <summary>The errors in one sentence each, for the portal's table.</summary>
    public IEnumerable<string> Reasons => Errors.SelectMany(e => e.Value.Select(m => e.Key == "line" ? m : $"{e.Key}: {m}"));
}

public sealed record BulkImportResult(bool DryRun, BulkCsvKind Kind, IReadOnlyList<BulkLineResult> Lines)
{
    public int Count(BulkAction action) => Lines.Count(l => l.Action == action);
}
