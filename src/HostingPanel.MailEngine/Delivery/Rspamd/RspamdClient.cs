using System.Buffers;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace HostingPanel.MailEngine.Delivery.Rspamd;

/// <summary>The envelope of one message, as rspamd's HTTP protocol takes it in request headers.</summary>
public sealed record RspamdEnvelope(string Sender, IReadOnlyList<string> Recipients, string ClientAddress, string Helo, string QueueId);

/// <summary>
/// rspamd's HTTP protocol: <c>POST /checkv2</c> with the message as the body and the envelope in headers (<c>From</c>,
/// <c>Rcpt</c>, <c>IP</c>, <c>Helo</c>, <c>Queue-Id</c>). When rspamd cannot be reached or does not answer in time, the
/// message is accepted unfiltered (fail open): losing mail to an outage of the filter is worse than letting spam in for
/// a while; each such message is logged and <see cref="LastFailure"/> feeds the health page.
/// </summary>
public sealed class RspamdClient(IOptions<RspamdOptions> options, TimeProvider time, ILogger<RspamdClient> logger)
{
    private readonly RspamdOptions _options = options.Value;
    private readonly HttpClient _http = new(new SocketsHttpHandler { PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30) })
    {
        Timeout = Timeout.InfiniteTimeSpan,
    };

    public bool Enabled => !string.IsNullOrWhiteSpace(_options.Url);

    /// <summary>When the last check failed (rspamd down), null after a check that worked.</summary>
    public DateTimeOffset? LastFailure { get; private set; }
    public string? LastError { get; private set; }

    /// <summary>The verdict, or null when filtering is off or rspamd failed (then the message goes on unfiltered).</summary>
    public async Task<RspamdVerdict?> CheckAsync(ReadOnlySequence<byte> message, ReadOnlyMemory<byte> prefix, RspamdEnvelope envelope, CancellationToken ct)
    {
        if (!Enabled)
            return null;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(_options.Timeout);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(new Uri(_options.Url!.TrimEnd('/') + "/"), "checkv2"));
            var bytes = new byte[prefix.Length + message.Length];
            prefix.CopyTo(bytes);
            message.CopyTo(bytes.AsSpan(prefix.Length));
            request.Content = new ByteArrayContent(bytes);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("message/rfc822");
            AddHeader(request, "From", envelope.Sender);
            foreach (var rcpt in envelope.Recipients)
                AddHeader(request, "Rcpt", rcpt);
            AddHeader(request, "IP", envelope.ClientAddress);
            AddHeader(request, "Helo", envelope.Helo);
            AddHeader(request, "Queue-Id", envelope.QueueId);
            if (!string.IsNullOrEmpty(_options.Password))
                AddHeader(request, "Password", _options.Password);
            using var response = await _http.SendAsync(request, timeout.Token);
            response.EnsureSuccessStatusCode();
            await using var body = await response.Content.ReadAsStreamAsync(timeout.Token);
            using var json = await JsonDocument.ParseAsync(body, cancellationToken: timeout.Token);
            var verdict = Parse(json.RootElement);
            LastFailure = null;
            LastError = null;
            return verdict;
        }
        catch (Exception e) when (e is HttpRequestException or JsonException or IOException or InvalidOperationException
                                      || (e is OperationCanceledException && !ct.IsCancellationRequested))
        {
            LastFailure = time.GetUtcNow();
            LastError = e is OperationCanceledException ? $"no answer within {_options.Timeout.TotalSeconds:0.#} s" : e.Message;
            logger.LogWarning("rspamd at {Url} failed ({Error}): message {QueueId} accepted unfiltered", _options.Url, LastError, envelope.QueueId);
            return null;
        }
    }

    private static void AddHeader(HttpRequestMessage request, string name, string value)
    {
        // Envelope text comes from the client: no line breaks into the request's header section.
        var clean = new string(value.Where(c => c >= ' ' && c != 0x7F).ToArray());
        request.Headers.TryAddWithoutValidation(name, clean);
    }

    internal static RspamdVerdict Parse(JsonElement root)
    {
        var action = root.TryGetProperty("action", out var a) && a.ValueKind == JsonValueKind.String ? a.GetString()! : "no action";
        var score = root.TryGetProperty("score", out var s) && s.ValueKind == JsonValueKind.Number ? s.GetDouble() : 0;
        var required = root.TryGetProperty("required_score", out var r) && r.ValueKind == JsonValueKind.Number ? r.GetDouble() : 0;
        var symbols = new HashSet<string>(StringComparer.Ordinal);
        if (root.TryGetProperty("symbols", out var list) && list.ValueKind == JsonValueKind.Object)
            foreach (var symbol in list.EnumerateObject())
                symbols.Add(symbol.Name);
        string? smtpMessage = null;
        if (root.TryGetProperty("messages", out var messages) && messages.ValueKind == JsonValueKind.Object
            && messages.TryGetProperty("smtp_message", out var m) && m.ValueKind == JsonValueKind.String)
            smtpMessage = m.GetString();
        return new RspamdVerdict(action, score, required, symbols, smtpMessage);
    }
}
