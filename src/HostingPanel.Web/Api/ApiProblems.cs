using HostingPanel.Application.Common;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace HostingPanel.Web.Api;

/// <summary>
/// Every API error as application/problem+json (RFC 9457). Service failures map one to one:
/// Validation 400, NotFound 404, Conflict 409, LimitExceeded 422, with the services' own messages.
/// </summary>
public static class ApiProblems
{
    public static IResult From(Failure failure) => failure.Kind switch
    {
        FailureKind.NotFound => Problem(StatusCodes.Status404NotFound, "Not found", failure.Message),
        FailureKind.Conflict => WithErrors(StatusCodes.Status409Conflict, "Conflict", failure.Message, failure.Errors),
        FailureKind.LimitExceeded => WithErrors(StatusCodes.Status422UnprocessableEntity, "Limit exceeded", failure.Message, failure.Errors),
        _ => WithErrors(StatusCodes.Status400BadRequest, "Validation failed", failure.Message, failure.Errors),
    };

    public static ProblemHttpResult Problem(int status, string title, string detail) =>
        TypedResults.Problem(new ProblemDetails { Status = status, Title = title, Detail = detail, Type = TypeFor(status) });

    public static ProblemHttpResult WithErrors(int status, string title, string detail, IReadOnlyDictionary<string, string[]> errors) =>
        TypedResults.Problem(new HttpValidationProblemDetails(errors.ToDictionary(e => FieldName(e.Key), e => e.Value))
        {
            Status = status,
            Title = title,
            Detail = detail,
            Type = TypeFor(status),
        });

    public static ProblemHttpResult Invalid(string field, string message) =>
        WithErrors(StatusCodes.Status400BadRequest, "Validation failed", message, new Dictionary<string, string[]> { [field] = [message] });

    /// <summary>"Limits.MaxDomains" → "limits.maxDomains", "Destinations[0]" → "destinations[0]": the JSON names clients sent.</summary>
    public static string FieldName(string servicePath) =>
        string.Join('.', servicePath.Split('.').Select(s => s.Length == 0 ? s : char.ToLowerInvariant(s[0]) + s[1..]));

    public static string TypeFor(int status) => status switch
    {
        400 => "https://www.rfc-editor.org/rfc/rfc9110#section-15.5.1",
        401 => "https://www.rfc-editor.org/rfc/rfc9110#section-15.5.2",
        404 => "https://www.rfc-editor.org/rfc/rfc9110#section-15.5.5",
        409 => "https://www.rfc-editor.org/rfc/rfc9110#section-15.5.10",
        413 => "https://www.rfc-editor.org/rfc/rfc9110#section-15.5.14",
        415 => "https://www.rfc-editor.org/rfc/rfc9110#section-15.5.16",
        422 => "https://www.rfc-editor.org/rfc/rfc9110#section-15.5.21",
        429 => "https://www.rfc-editor.org/rfc/rfc6585#section-4",
        _ => "about:blank",
    };

    public static IResult ToOk<T, TDto>(this ServiceResult<T> result, Func<T, TDto> map) =>
        result.Failure is { } f ? From(f) : TypedResults.Ok(map(result.Value!));

    public static IResult ToCreated<T, TDto>(this ServiceResult<T> result, Func<T, TDto> map, Func<TDto, string> location)
    {
        if (result.Failure is { } f) return From(f);
        var dto = map(result.Value!);
        return TypedResults.Created(location(dto), dto);
    }

    public static IResult ToNoContent(this ServiceResult<Done> result) =>
        result.Failure is { } f ? From(f) : TypedResults.NoContent();
}
