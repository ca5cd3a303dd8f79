namespace HostingPanel.Application.Common;

/// <summary>A page request as the API and the portal take it: 1-based page, size up to 500, optional search text.</summary>
public sealed record PageRequest(int Page = 1, int PageSize = 50, string? Search = null)
{
    public const int MaxPageSize = 500;

    // Capped so that Skip cannot overflow an int (a wrapped, negative offset would show the first page again).
    public int SafePage => Math.Clamp(Page, 1, int.MaxValue / MaxPageSize);
    public int SafePageSize => Math.Clamp(PageSize, 1, MaxPageSize);
    public int Skip => (SafePage - 1) * SafePageSize;
    public string? Term => string.IsNullOrWhiteSpace(Search) ? null : Search.Trim().ToLowerInvariant();
}

public sealed record Page<T>(IReadOnlyList<T> Items, int Total, int PageNumber, int PageSize)
{
    public int PageCount => Math.Max(1, (Total + PageSize - 1) / PageSize);
}
