using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace HostingPanel.Web.Api;

/// <summary>
/// Reads a JSON request body with clear 4xx answers for everything a client can get wrong: a missing or
/// wrong content type (415), a body over <see cref="MaxBodyBytes"/> (413), no body, malformed JSON or a
/// value of the wrong type (400, naming the field). Never an exception that would become a 500.
/// </summary>
public static class ApiBody
{
    public const int MaxBodyBytes = 1024 * 1024;

    public readonly record struct Outcome<T>(T? Value, IResult? Problem) where T : class;

    public static async Task<Outcome<T>> ReadAsync<T>(HttpContext http, CancellationToken ct) where T : class
    {
        var request = http.Request;
        if (request.ContentLength > MaxBodyBytes) return TooLarge<T>();
        if (!IsJson(request.ContentType))
        {
            return new(null, ApiProblems.Problem(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type",
                $"Send the body as JSON with 'Content-Type: application/json' (got '{request.ContentType ?? "none"}')."));
        }

        byte[] bytes;
        try
        {
            bytes = await ReadLimitedAsync(request.Body, ct);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return TooLarge<T>();
        }
        catch (BodyTooLargeException)
        {
            return TooLarge<T>();
        }
        // Some clients (PowerShell, .NET's Encoding.UTF8) start the body with a byte order mark; JSON readers do not skip it.
        var json = bytes.AsMemory();
        if (json.Span.StartsWith("\uFEFF"u8)) json = json[3..];
        if (json.Span.Trim(" \t\r\n"u8).IsEmpty) return new(null, ApiProblems.Problem(StatusCodes.Status400BadRequest, "Bad request", "The request needs a JSON object as its body."));

        var options = http.RequestServices.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;
        try
        {
            var value = JsonSerializer.Deserialize<T>(json.Span, options);
            return value is null
                ? new(null, ApiProblems.Problem(StatusCodes.Status400BadRequest, "Bad request", "The request needs a JSON object as its body."))
                : new(value, null);
        }
        catch (JsonException e)
        {
            return new(null, Explain<T>(e, options));
        }
        catch (NotSupportedException)
        {
            return new(null, ApiProblems.Problem(StatusCodes.Status400BadRequest, "Bad request", "The request body has a shape this endpoint does not take."));
        }
    }

    /// <summary>Called per request on /api so that Kestrel stops reading an oversized upload early.</summary>
    public static void LimitRequestBody(HttpContext http)
    {
        var feature = http.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (feature is { IsReadOnly: false }) feature.MaxRequestBodySize = MaxBodyBytes;
    }

    private static Outcome<T> TooLarge<T>() where T : class => new(null, ApiProblems.Problem(StatusCodes.Status413PayloadTooLarge, "Payload too large",
        $"The request body can have at most {MaxBodyBytes} bytes."));

    private static bool IsJson(string? contentType)
    {
        if (contentType is null || !Microsoft.Net.Http.Headers.MediaTypeHeaderValue.TryParse(contentType, out var media)) return false;
        var type = media.MediaType.Value ?? "";
        if (media.Charset.HasValue && !media.Charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase) && !media.Charset.Equals("utf8", StringComparison.OrdinalIgnoreCase)) return false;
        return type.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || (type.StartsWith("application/", StringComparison.OrdinalIgnoreCase) && type.EndsWith("+json", StringComparison.OrdinalIgnoreCase));
    }

    private sealed class BodyTooLargeException : Exception;

    private static async Task<byte[]> ReadLimitedAsync(Stream body, CancellationToken ct)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await body.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + read > MaxBodyBytes) throw new BodyTooLargeException();
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }

    /// <summary>A JSON error as a field error when the path names a field ("$.limits.maxDomains"), else a general one.</summary>
    private static IResult Explain<T>(JsonException e, JsonSerializerOptions options)
    {
        var path = e.Path is null or "$" ? null : e.Path.StartsWith("$.", StringComparison.Ordinal) ? e.Path[2..] : e.Path.TrimStart('$');
        // Syntax errors come from the reader (an inner JsonReaderException); conversion errors have no inner exception.
        var syntax = e.InnerException?.GetType().Name == "JsonReaderException";
        if (path is null || syntax || e.LineNumber is null)
        {
            var where = e.LineNumber is { } line ? $" (line {line + 1}, position {e.BytePositionInLine + 1})" : "";
            var what = !syntax && path is null
                ? "The request body must be a JSON object."
                : $"The request body is not valid JSON{where}.";
            return ApiProblems.Problem(StatusCodes.Status400BadRequest, "Bad request", what);
        }
        var field = ApiProblems.FieldName(path);
        var expected = ExpectedType(typeof(T), path, options);
        var message = expected is null
            ? $"The value of '{field}' is not valid JSON here."
            : $"The value of '{field}' must be {expected}.";
        return ApiProblems.WithErrors(StatusCodes.Status400BadRequest, "Validation failed", message,
            new Dictionary<string, string[]> { [field] = [message] });
    }

    /// <summary>Walks the body type along the JSON path to say what the field should hold.</summary>
    private static string? ExpectedType(Type root, string path, JsonSerializerOptions options)
    {
        var type = root;
        foreach (var raw in path.Split('.'))
        {
            var name = raw.Contains('[') ? raw[..raw.IndexOf('[')] : raw;
            var info = options.GetTypeInfo(type);
            var property = info.Properties.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase));
            if (property is null) return null;
            type = property.PropertyType;
            if (raw.Contains('[') && ElementType(type) is { } element) type = element;
        }
        return Describe(type);
    }

    private static Type? ElementType(Type type) =>
        type.IsArray ? type.GetElementType() : type.IsGenericType && type.GetGenericArguments().Length == 1 ? type.GetGenericArguments()[0] : null;

    private static string Describe(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type == typeof(string)) return "a string";
        if (type == typeof(bool)) return "true or false";
        if (type == typeof(int) || type == typeof(long)) return "a whole number";
        if (type == typeof(Guid)) return "an id (a GUID string)";
        if (ElementType(type) is { } e && type != typeof(string)) return $"an array of {Describe(e)[(Describe(e).IndexOf(' ') + 1)..]}s";
        return "an object";
    }
}
