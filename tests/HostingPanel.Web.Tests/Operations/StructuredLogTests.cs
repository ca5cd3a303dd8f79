using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using HostingPanel.Web.Tests.Infrastructure;

namespace HostingPanel.Web.Tests.Operations;

/// <summary>
/// Logging:Format=json as an operator runs it: the product as its own process, its standard output read line by line.
/// Every line is one JSON object; a portal request's lines carry its RequestId, a mail session's lines its listener,
/// session id and the client's address (the scope the accept loop opens), on IMAP and on the SMTP package's sessions.
/// </summary>
public sealed class StructuredLogTests : IDisposable
{
    private readonly string _data = Path.Combine(Path.GetTempPath(), "hp-jsonlog", Guid.NewGuid().ToString("N"));
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task JsonLogs_PortalLinesCarryTheRequestId_MailLinesCarryTheSessionAndClient()
    {
        var args = ProductProcess.IsolatedArgs(_data, withMail: true).Concat(
        [
            "--Logging:Format=json",
            // Lines to look for: ASP.NET Core's request start/finish, and the engine's failed-login line.
            "--Logging:LogLevel:Microsoft.AspNetCore.Hosting.Diagnostics=Information",
            "--Logging:LogLevel:HostingPanel.MailEngine=Information",
            "--Mail:AllowPlaintextAuth=true",
        ]).ToArray();
        await using var product = ProductProcess.Start(Path.GetTempPath(), args);
        Assert.True(await product.WaitUntilRunningAsync(ProductProcess.StartTimeout), product.Stdout + product.Stderr);

        // Portal: two requests, each with its own id on both of its lines.
        using (var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{product.HttpPort}") })
        {
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/account/login", Ct)).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/health/live", Ct)).StatusCode);
        }
        var login = await WaitForLineAsync(product, l => Category(l) == "Microsoft.AspNetCore.Hosting.Diagnostics"
            && Message(l).StartsWith("Request finished", StringComparison.Ordinal) && Message(l).Contains("/account/login", StringComparison.Ordinal));
        var health = await WaitForLineAsync(product, l => Category(l) == "Microsoft.AspNetCore.Hosting.Diagnostics"
            && Message(l).StartsWith("Request finished", StringComparison.Ordinal) && Message(l).Contains("/health/live", StringComparison.Ordinal));
        var loginId = ScopeValue(login, "RequestId");
        var healthId = ScopeValue(health, "RequestId");
        Assert.False(string.IsNullOrEmpty(loginId), login.ToString());
        Assert.NotEqual(loginId, healthId);
        Assert.Equal("/account/login", ScopeValue(login, "RequestPath"));
        var loginStart = await WaitForLineAsync(product, l => Message(l).StartsWith("Request starting", StringComparison.Ordinal)
            && Message(l).Contains("/account/login", StringComparison.Ordinal));
        Assert.Equal(loginId, ScopeValue(loginStart, "RequestId"));

        // IMAP: a failed LOGIN; the engine's line names this connection (its client port) and a session id.
        var imapClient = await FailedImapLoginAsync(product.MailPort("imap"));
        var imapLine = await WaitForLineAsync(product, l => Message(l).StartsWith("Imap login failed", StringComparison.OrdinalIgnoreCase)
            && ScopeValue(l, "Remote") == imapClient.ToString());
        Assert.Equal("imap", ScopeValue(imapLine, "Listener"));
        Assert.Matches("^[0-9a-f]{12}$", ScopeValue(imapLine, "SessionId"));

        // SMTP submission: the session runs in the SMTP package's own flow, and still carries its connection's scope.
        var smtpClient = await FailedSmtpAuthAsync(product.MailPort("submission"));
        var smtpLines = await WaitForLinesAsync(product, l => ScopeValue(l, "Remote") == smtpClient.ToString()
            && Message(l).Contains("failed", StringComparison.OrdinalIgnoreCase), atLeast: 2);
        Assert.All(smtpLines, l => Assert.Equal("submission", ScopeValue(l, "Listener")));
        var smtpSession = ScopeValue(smtpLines[0], "SessionId");
        Assert.Matches("^[0-9a-f]{12}$", smtpSession);
        Assert.All(smtpLines, l => Assert.Equal(smtpSession, ScopeValue(l, "SessionId")));
        Assert.NotEqual(ScopeValue(imapLine, "SessionId"), smtpSession);

        // Every log line is one JSON object (the banner is plain text, printed before logging is used for requests).
        foreach (var line in JsonLines(product))
            Assert.Equal(JsonValueKind.Object, line.ValueKind);
    }

    private static async Task<IPEndPoint> FailedImapLoginAsync(int port)
    {
        using var client = new TcpClient(AddressFamily.InterNetwork); // 127.0.0.1:port, as the server sees it
        await client.ConnectAsync(IPAddress.Loopback, port, Ct);
        var local = (IPEndPoint)client.Client.LocalEndPoint!;
        var stream = client.GetStream();
        using var reader = new StreamReader(stream, Encoding.ASCII);
        Assert.StartsWith("* OK", await reader.ReadLineAsync(Ct));
        await stream.WriteAsync("a1 LOGIN nobody@nowhere.example wrong-password\r\n"u8.ToArray(), Ct);
        Assert.StartsWith("a1 NO", await reader.ReadLineAsync(Ct));
        return local;
    }

    private static async Task<IPEndPoint> FailedSmtpAuthAsync(int port)
    {
        using var client = new TcpClient(AddressFamily.InterNetwork); // 127.0.0.1:port, as the server sees it
        await client.ConnectAsync(IPAddress.Loopback, port, Ct);
        var local = (IPEndPoint)client.Client.LocalEndPoint!;
        var stream = client.GetStream();
        using var reader = new StreamReader(stream, Encoding.ASCII);
        Assert.StartsWith("220", await reader.ReadLineAsync(Ct));
        await stream.WriteAsync("EHLO client.example\r\n"u8.ToArray(), Ct);
        string? line;
        while ((line = await reader.ReadLineAsync(Ct)) is not null && line.StartsWith("250-", StringComparison.Ordinal)) { }
        var plain = Convert.ToBase64String(Encoding.ASCII.GetBytes("\0nobody@nowhere.example\0wrong-password"));
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"AUTH PLAIN {plain}\r\n"), Ct);
        Assert.StartsWith("535", await reader.ReadLineAsync(Ct));
        return local;
    }

    private static IEnumerable<JsonElement> JsonLines(ProductProcess product)
    {
        foreach (var raw in product.Stdout.Split('\n'))
        {
            var text = raw.Trim();
            if (!text.StartsWith('{')) continue;
            using var doc = JsonDocument.Parse(text);
            yield return doc.RootElement.Clone();
        }
    }

    private static async Task<JsonElement> WaitForLineAsync(ProductProcess product, Func<JsonElement, bool> match) =>
        (await WaitForLinesAsync(product, match, 1))[0];

    private static async Task<List<JsonElement>> WaitForLinesAsync(ProductProcess product, Func<JsonElement, bool> match, int atLeast)
    {
        var until = DateTime.UtcNow + Patience;
        while (true)
        {
            var found = JsonLines(product).Where(match).ToList();
            if (found.Count >= atLeast) return found;
            if (DateTime.UtcNow > until)
                Assert.Fail($"no such log line within {Patience}; output:\n{product.Stdout}");
            await Task.Delay(100, Ct);
        }
    }

    private static string Category(JsonElement line) => line.TryGetProperty("Category", out var c) ? c.GetString() ?? "" : "";

    private static string Message(JsonElement line) => line.TryGetProperty("Message", out var m) ? m.GetString() ?? "" : "";

    /// <summary>A named value from the line's scopes (the JSON formatter writes each scope of pairs as an object).</summary>
    private static string? ScopeValue(JsonElement line, string name)
    {
        if (!line.TryGetProperty("Scopes", out var scopes) || scopes.ValueKind != JsonValueKind.Array) return null;
        foreach (var scope in scopes.EnumerateArray())
            if (scope.ValueKind == JsonValueKind.Object && scope.TryGetProperty(name, out var value))
                return value.ValueKind == JsonValueKind.String ? value.GetString() : value.ToString();
        return null;
    }

    public void Dispose()
    {
        try { Directory.Delete(_data, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
