using HostingPanel.Application.Common;

namespace HostingPanel.Web.Api;

/// <summary>
/// Checks the query parameters of /api/v1 before endpoint binding, so that `?page=abc` is a 400 naming the
/// parameter instead of the framework's empty 400.
/// </summary>
public static class ApiQueryValidation
{
    public const int MaxSearchLength = 200;
    /// <summary>Far beyond any real list, and (page - 1) * 500 stays inside an int.</summary>
    public const int MaxPage = 1_000_000;

    public static IResult? Check(HttpRequest request)
    {
        var errors = new Dictionary<string, string[]>();
        var query = request.Query;
        if (query.TryGetValue("page", out var page) && (!int.TryParse(page, out var p) || p is < 1 or > MaxPage))
            errors["page"] = [$"The page must be a whole number from 1 to {MaxPage}."];
        if (query.TryGetValue("pageSize", out var size) && (!int.TryParse(size, out var s) || s is < 1 or > PageRequest.MaxPageSize))
            errors["pageSize"] = [$"The page size must be a whole number from 1 to {PageRequest.MaxPageSize}."];
        if (query.TryGetValue("search", out var search) && search.ToString().Length > MaxSearchLength)
            errors["search"] = [$"The search text can have at most {MaxSearchLength} characters."];
        else if (search.ToString().Any(char.IsControl))
            errors["search"] = ["The search text cannot contain control characters."];
        foreach (var name in new[] { "customerId", "resellerId" })
            if (query.TryGetValue(name, out var id) && !Guid.TryParse(id, out _))
                errors[name] = [$"The {name} must be an id (a GUID)."];
        if (errors.Count == 0) return null;
        var detail = errors.Count == 1 ? errors.First().Value[0] : "One or more query parameters are not valid.";
        return ApiProblems.WithErrors(StatusCodes.Status400BadRequest, "Validation failed", detail, errors);
    }
}
