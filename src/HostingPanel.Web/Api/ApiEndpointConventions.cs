using Microsoft.AspNetCore.Mvc;

namespace HostingPanel.Web.Api;

/// <summary>OpenAPI metadata for the API's bodies and errors, said once.</summary>
public static class ApiEndpointConventions
{
    private static readonly string[] ProblemJson = ["application/problem+json"];

    /// <summary>The endpoint takes a JSON body of type <typeparamref name="T"/> (read by <see cref="ApiBody"/>), so it can answer 400, 413 and 415.</summary>
    public static RouteHandlerBuilder JsonBody<T>(this RouteHandlerBuilder b) where T : notnull =>
        b.Accepts<T>("application/json")
            .ProducesValidationProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);

    /// <summary>List endpoints: bad paging parameters are a 400 naming the parameter.</summary>
    public static RouteHandlerBuilder Paged(this RouteHandlerBuilder b) => b.ProducesValidationProblem(StatusCodes.Status400BadRequest);

    public static RouteHandlerBuilder NotFound(this RouteHandlerBuilder b) => b.ProducesProblem(StatusCodes.Status404NotFound);

    /// <summary>409: a duplicate (same name, address or email).</summary>
    public static RouteHandlerBuilder Conflict(this RouteHandlerBuilder b) => b.ProducesValidationProblem(StatusCodes.Status409Conflict);

    /// <summary>422: a plan or pool limit would be exceeded; the message names the limit and what is left.</summary>
    public static RouteHandlerBuilder LimitExceeded(this RouteHandlerBuilder b) => b.ProducesValidationProblem(StatusCodes.Status422UnprocessableEntity);

    /// <summary>Answers every /api/v1 endpoint can give: 401 without a valid key, 429 over the rate limit.</summary>
    public static RouteGroupBuilder CommonProblems(this RouteGroupBuilder g) => g
        .WithMetadata(new ProducesResponseTypeMetadata(StatusCodes.Status401Unauthorized, typeof(ProblemDetails), ProblemJson))
        .WithMetadata(new ProducesResponseTypeMetadata(StatusCodes.Status429TooManyRequests, typeof(ProblemDetails), ProblemJson));
}
