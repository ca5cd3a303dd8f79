using HostingPanel.Application.Bulk;
using Microsoft.AspNetCore.Http.Features;

namespace HostingPanel.Web.Api;

/// <summary>A CSV request body (bulk import, migrations import), read whole within the bulk format's size limit.</summary>
internal static class ApiCsvBody
{
    /// <summary>The raw CSV body, bounded: 415 for another content type, 413 past the size limit.</summary>
    public static async Task<(ReadOnlyMemory<byte> Csv, IResult? Problem)> ReadAsync(HttpContext http, CancellationToken ct)
    {
        var request = http.Request;
        var type = request.ContentType is { } ctype && Microsoft.Net.Http.Headers.MediaTypeHeaderValue.TryParse(ctype, out var media) ? media.MediaType.Value : null;
        if (!string.Equals(type, "text/csv", StringComparison.OrdinalIgnoreCase))
            return (default, ApiProblems.Problem(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type",
                $"Send the file with 'Content-Type: text/csv' (got '{request.ContentType ?? "none"}')."));
        var tooLarge = ApiProblems.Problem(StatusCodes.Status413PayloadTooLarge, "Payload too large", $"The file can have at most {BulkCsvFormat.MaxBytes} bytes.");
        if (request.ContentLength > BulkCsvFormat.MaxBytes) return (default, tooLarge);
        // The API's general 1 MiB limit is for JSON; a CSV file may be larger, up to the bulk limit.
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit) limit.MaxRequestBodySize = BulkCsvFormat.MaxBytes + 64 * 1024;
        using var buffer = new MemoryStream();
        var chunk = new byte[64 * 1024];
        try
        {
            int read;
            while ((read = await request.Body.ReadAsync(chunk, ct)) > 0)
            {
                if (buffer.Length + read > BulkCsvFormat.MaxBytes) return (default, tooLarge);
                buffer.Write(chunk, 0, read);
            }
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (default, tooLarge);
        }
        return (buffer.ToArray(), null);
    }
}
