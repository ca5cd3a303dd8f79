using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using static HostingPanel.Web.Tests.Api.Api;

namespace HostingPanel.Web.Tests.Api;

/// <summary>Whatever a client sends, the answer is a 4xx problem+json that says what to fix, never a 500.</summary>
[Collection(ApiCollection.Name)]
public sealed class ApiBadRequestTests(ApiHostFixture host)
{
    private string MailboxesPath => $"/api/v1/domains/{host.A.Domain}/mailboxes";

    private async Task<JsonObject> SendRawAsync(HttpMethod method, string path, HttpContent? content, HttpStatusCode expected)
    {
        using var client = host.Client(host.A.ResellerKey);
        using var request = new HttpRequestMessage(method, path) { Content = content };
        using var response = await client.SendAsync(request, Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == expected, $"{method} {path}: expected {(int)expected}, got {(int)response.StatusCode} {text}");
        return AssertProblem(response, JsonNode.Parse(text), expected);
    }

    [Theory]
    [InlineData("""{"localPart": "x", """, "The request body is not valid JSON (line 1, position 20).")]
    [InlineData("""{"localPart": 'x'}""", "The request body is not valid JSON (line 1, position 15).")]
    [InlineData("not json at all", "The request body is not valid JSON (line 1, position 2).")]
    [InlineData("[1, 2]", "The request body must be a JSON object.")]
    [InlineData("\"text\"", "The request body must be a JSON object.")]
    [InlineData("null", "The request needs a JSON object as its body.")]
    [InlineData("", "The request needs a JSON object as its body.")]
    public async Task MalformedJson_Is400_WithAClearMessage(string body, string detail)
    {
        var problem = await SendRawAsync(HttpMethod.Post, MailboxesPath, new StringContent(body, Encoding.UTF8, "application/json"), HttpStatusCode.BadRequest);
        Assert.Equal(detail, problem["detail"]!.GetValue<string>());
    }

    [Fact]
    public async Task DeeplyNestedJson_Is400()
    {
        var body = "{\"localPart\":" + new string('[', 5000) + new string(']', 5000) + "}";
        await SendRawAsync(HttpMethod.Post, MailboxesPath, new StringContent(body, Encoding.UTF8, "application/json"), HttpStatusCode.BadRequest);
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/x-www-form-urlencoded")]
    [InlineData("multipart/form-data; boundary=x")]
    [InlineData("application/xml")]
    [InlineData("application/json; charset=latin1")]
    public async Task WrongContentType_Is415(string contentType)
    {
        var content = new ByteArrayContent("""{"localPart":"x","password":"correct-horse-battery","quotaMb":1}"""u8.ToArray());
        content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        var problem = await SendRawAsync(HttpMethod.Post, MailboxesPath, content, HttpStatusCode.UnsupportedMediaType);
        Assert.Contains("application/json", problem["detail"]!.GetValue<string>());
    }

    [Fact]
    public async Task MissingContentType_Is415()
    {
        var content = new ByteArrayContent("""{"name":"x.example"}"""u8.ToArray());
        await SendRawAsync(HttpMethod.Post, "/api/v1/domains", content, HttpStatusCode.UnsupportedMediaType);
    }

    [Fact]
    public async Task MergePatchJson_IsAccepted()
    {
        using var client = host.Client(host.A.ResellerKey);
        using var request = new HttpRequestMessage(HttpMethod.Patch, $"{MailboxesPath}/{host.A.Mailbox}")
        {
            Content = new StringContent("""{"displayName":"Merge Patched"}""", Encoding.UTF8, "application/merge-patch+json"),
        };
        using var response = await client.SendAsync(request, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task BodyWithByteOrderMark_IsRead()
    {
        using var client = host.Client(host.A.ResellerKey);
        var content = new ByteArrayContent([0xEF, 0xBB, 0xBF, .. """{"displayName":"With BOM"}"""u8]);
        content.Headers.TryAddWithoutValidation("Content-Type", "application/json; charset=utf8");
        using var request = new HttpRequestMessage(HttpMethod.Patch, $"{MailboxesPath}/{host.A.Mailbox}") { Content = content };
        using var response = await client.SendAsync(request, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("With BOM", JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!["displayName"]!.GetValue<string>());
    }

    [Fact]
    public async Task OversizedBody_Is413()
    {
        var big = """{"localPart":"x","displayName":""" + "\"" + new string('a', 2 * 1024 * 1024) + "\"}";
        var problem = await SendRawAsync(HttpMethod.Post, MailboxesPath, new StringContent(big, Encoding.UTF8, "application/json"), HttpStatusCode.RequestEntityTooLarge);
        Assert.Equal("The request body can have at most 1048576 bytes.", problem["detail"]!.GetValue<string>());
    }

    [Fact]
    public async Task OversizedChunkedBody_Is413()
    {
        var stream = new MemoryStream(Encoding.UTF8.GetBytes("""{"displayName":""" + "\"" + new string('a', 1100 * 1024) + "\"}"));
        var content = new StreamContent(stream);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var client = host.Client(host.A.ResellerKey);
        using var request = new HttpRequestMessage(HttpMethod.Patch, $"{MailboxesPath}/{host.A.Mailbox}") { Content = content };
        request.Headers.TransferEncodingChunked = true;
        using var response = await client.SendAsync(request, Ct);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [InlineData("GET", "/api/v1/nothing-here")]
    [InlineData("GET", "/api/v1/resellers/not-a-guid")]
    [InlineData("DELETE", "/api/v1/apikeys/123")]
    [InlineData("GET", "/api/v1/domains/bad_domain!/mailboxes")]
    [InlineData("GET", "/api/v1/domains/%E2%98%83%E2%98%83.example")]
    [InlineData("DELETE", "/api/v1/domains/..")]
    public async Task UnknownOrMalformedResources_Are404ProblemJson(string method, string path)
    {
        var problem = await SendRawAsync(new HttpMethod(method), path, null, HttpStatusCode.NotFound);
        Assert.False(string.IsNullOrEmpty(problem["detail"]?.GetValue<string>()));
    }

    [Fact]
    public async Task VeryLongNamesInThePath_Are404()
    {
        await SendRawAsync(HttpMethod.Get, $"/api/v1/domains/{new string('a', 3000)}.example/aliases/{new string('b', 3000)}", null, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task WrongMethod_Is405ProblemJson()
    {
        var problem = await SendRawAsync(HttpMethod.Put, "/api/v1/me", new StringContent("{}", Encoding.UTF8, "application/json"), HttpStatusCode.MethodNotAllowed);
        Assert.Equal("PUT is not allowed on /api/v1/me; allowed: GET, PATCH.", problem["detail"]!.GetValue<string>());
    }
}
