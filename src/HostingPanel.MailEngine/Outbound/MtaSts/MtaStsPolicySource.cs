using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using DnsClient;
using DnsClient.Protocol;
using HostingPanel.MailEngine.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using HostingPanel.MailEngine.Storage;

namespace HostingPanel.MailEngine.Outbound.MtaSts;

/// <summary>What the sender knows of a destination's MTA-STS policy at one delivery, and how it came to know it.</summary>
public sealed record MtaStsLookup(MtaStsPolicy? Policy, string Note)
{
    public bool Enforced => Policy?.Mode == MtaStsMode.Enforce;
}

/// <summary>
/// Fetches, caches and refreshes destination domains' MTA-STS policies (RFC 8461 section 3 and 5). The
/// <c>_mta-sts</c> TXT record is looked up at each delivery through the product's resolvers; the policy is fetched
/// over HTTPS (certificate valid for <c>mta-sts.&lt;domain&gt;</c>, no redirects, at most 64 KiB, text/plain) only when
/// the record's id differs from the cached policy's or the cache has expired. A cached policy outlives a missing
/// record or a failed fetch until its max_age (section 5.1: an attacker who blocks DNS or HTTPS cannot downgrade a
/// domain the sender has seen). The cache is kept on disk so a restart opens no such window either.
/// </summary>
public sealed class MtaStsPolicySource
{
    private readonly RelayOptions _options;
    private readonly IMxResolver _resolver;
    private readonly OutboundTlsValidator _validator;
    private readonly TimeProvider _time;
    private readonly ILogger<MtaStsPolicySource> _logger;
    private readonly Lazy<LookupClient> _dns;
    private readonly Lazy<HttpClient> _http;
    private readonly string _directory;
    private readonly ConcurrentDictionary<string, CachedPolicy> _cache = new(StringComparer.OrdinalIgnoreCase);

    public MtaStsPolicySource(IOptions<RelayOptions> options, IOptions<MailStorageOptions> storage, IMxResolver resolver, OutboundTlsValidator validator,
        TimeProvider time, ILogger<MtaStsPolicySource> logger)
    {
        _options = options.Value;
        _resolver = resolver;
        _validator = validator;
        _time = time;
        _logger = logger;
        _directory = Path.Combine(storage.Value.DataDirectory, "mta-sts");
        var servers = _options.DnsServers;
        _dns = new Lazy<LookupClient>(() => servers.Count == 0
            ? new LookupClient()
            : new LookupClient(servers.Select(DnsMxResolver.ParseServer).ToArray()));
        _http = new Lazy<HttpClient>(CreateHttpClient);
    }

    public async Task<MtaStsLookup> GetAsync(string domain, CancellationToken ct)
    {
        domain = domain.TrimEnd('.').ToLowerInvariant();
        // The domain comes from a recipient address: it names a cache file, so only a host name passes.
        if (!IsHostName(domain))
            return new MtaStsLookup(null, "MTA-STS: not looked up (not a host name)");
        var now = _time.GetUtcNow();
        var cached = _cache.TryGetValue(domain, out var c) ? c : await LoadAsync(domain);
        if (cached is not null && cached.ExpiresAt <= now)
            cached = null;
        string? id;
        try
        {
            id = await PolicyIdAsync(domain, ct);
        }
        catch (Exception e) when (e is DnsResponseException or SocketException or TimeoutException)
        {
            return cached is null
                ? new MtaStsLookup(null, $"MTA-STS: no policy known (_mta-sts lookup failed: {e.Message})")
                : new MtaStsLookup(cached.Policy, $"MTA-STS: cached {Mode(cached.Policy)} policy (TXT lookup failed)");
        }
        if (id is null)
            return cached is null
                ? new MtaStsLookup(null, "MTA-STS: none published")
                : new MtaStsLookup(cached.Policy, $"MTA-STS: cached {Mode(cached.Policy)} policy (no TXT record now)");
        if (cached is not null && cached.Id == id)
            return new MtaStsLookup(cached.Policy, $"MTA-STS: {Mode(cached.Policy)} policy id {id}");
        var (policy, error) = await FetchAsync(domain, ct);
        if (policy is null)
        {
            _logger.LogWarning("MTA-STS policy of {Domain} could not be fetched: {Error}", domain, error);
            return cached is null
                ? new MtaStsLookup(null, $"MTA-STS: policy id {id} announced but not fetched ({error}); delivering without it (RFC 8461 section 5)")
                : new MtaStsLookup(cached.Policy, $"MTA-STS: cached {Mode(cached.Policy)} policy (new id {id} not fetched: {error})");
        }
        var entry = new CachedPolicy(id, policy, now + policy.MaxAge);
        _cache[domain] = entry;
        await SaveAsync(domain, entry);
        return new MtaStsLookup(policy, $"MTA-STS: {Mode(policy)} policy id {id} fetched");
    }

    private static bool IsHostName(string domain) =>
        domain.Length is > 0 and <= 253 && domain.Split('.').All(l => l.Length is > 0 and <= 63 && l.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'));

    private static string Mode(MtaStsPolicy policy) => policy.Mode.ToString().ToLowerInvariant();

    private async Task<string?> PolicyIdAsync(string domain, CancellationToken ct)
    {
        var result = await _dns.Value.QueryAsync("_mta-sts." + domain, QueryType.TXT, cancellationToken: ct);
        if (result.HasError && result.Header.ResponseCode != DnsHeaderResponseCode.NotExistentDomain)
            throw new DnsResponseException(result.ErrorMessage);
        // Section 3.1: more than one STSv1 record means no policy.
        var ids = result.Answers.TxtRecords().Select(r => string.Concat(r.Text)).Where(t => t.StartsWith("v=STSv1", StringComparison.Ordinal))
            .Select(MtaStsTxtRecord.PolicyId).ToList();
        return ids.Count == 1 ? ids[0] : null;
    }

    private async Task<(MtaStsPolicy? Policy, string? Error)> FetchAsync(string domain, CancellationToken ct)
    {
        var url = $"https://mta-sts.{domain}:{_options.MtaStsPolicyPort}/.well-known/mta-sts.txt";
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(30));
            using var response = await _http.Value.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            // Section 3.3: 200 only (redirects are not followed), text/plain.
            if (response.StatusCode != HttpStatusCode.OK)
                return (null, $"HTTP {(int)response.StatusCode} from {url}");
            if (response.Content.Headers.ContentType?.MediaType is not "text/plain")
                return (null, $"{url} is not text/plain");
            await using var body = await response.Content.ReadAsStreamAsync(timeout.Token);
            var buffer = new byte[MtaStsPolicy.MaxBodyBytes + 1];
            var read = 0;
            int n;
            while (read < buffer.Length && (n = await body.ReadAsync(buffer.AsMemory(read), timeout.Token)) > 0)
                read += n;
            if (read > MtaStsPolicy.MaxBodyBytes)
                return (null, $"{url} is larger than 64 KiB");
            var policy = MtaStsPolicy.Parse(Encoding.UTF8.GetString(buffer, 0, read), out var error);
            return policy is null ? (null, $"invalid policy at {url}: {error}") : (policy, null);
        }
        catch (Exception e) when (e is HttpRequestException or IOException or OperationCanceledException && !ct.IsCancellationRequested)
        {
            return (null, $"{url}: {Innermost(e)}");
        }
    }

    private static string Innermost(Exception e)
    {
        while (e.InnerException is not null)
            e = e.InnerException;
        return e.Message;
    }

    private HttpClient CreateHttpClient()
    {
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseProxy = false,
            UseCookies = false,
            ConnectTimeout = TimeSpan.FromSeconds(20),
            // The policy host's name goes through the product's resolvers too.
            ConnectCallback = async (context, ct) =>
            {
                var addresses = await _resolver.ResolveAddressesAsync(context.DnsEndPoint.Host, ct);
                Exception? last = null;
                foreach (var address in addresses)
                {
                    var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                    try
                    {
                        await socket.ConnectAsync(new IPEndPoint(address, context.DnsEndPoint.Port), ct);
                        return new NetworkStream(socket, ownsSocket: true);
                    }
                    catch (SocketException e)
                    {
                        socket.Dispose();
                        last = e;
                    }
                }
                throw last ?? new SocketException((int)SocketError.HostNotFound);
            },
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, certificate, chain, errors) => _validator.Check(certificate, chain, errors) is null,
            },
        };
        return new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(60) };
    }

    private sealed record CachedPolicy(string Id, MtaStsPolicy Policy, DateTimeOffset ExpiresAt);

    private sealed record StoredPolicy(string Id, string Mode, List<string> Mx, long MaxAgeSeconds, DateTimeOffset ExpiresAt);

    private string FileOf(string domain) => Path.Combine(_directory, domain + ".json");

    private async Task<CachedPolicy?> LoadAsync(string domain)
    {
        try
        {
            var stored = JsonSerializer.Deserialize<StoredPolicy>(await File.ReadAllTextAsync(FileOf(domain)));
            if (stored is null || !Enum.TryParse<MtaStsMode>(stored.Mode, out var mode))
                return null;
            var cached = new CachedPolicy(stored.Id, new MtaStsPolicy(mode, stored.Mx, TimeSpan.FromSeconds(stored.MaxAgeSeconds)), stored.ExpiresAt);
            _cache[domain] = cached;
            return cached;
        }
        catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private async Task SaveAsync(string domain, CachedPolicy entry)
    {
        try
        {
            System.IO.Directory.CreateDirectory(_directory);
            var temp = FileOf(domain) + ".tmp";
            await File.WriteAllTextAsync(temp, JsonSerializer.Serialize(new StoredPolicy(entry.Id, entry.Policy.Mode.ToString(), [.. entry.Policy.MxPatterns],
                (long)entry.Policy.MaxAge.TotalSeconds, entry.ExpiresAt)));
            File.Move(temp, FileOf(domain), overwrite: true);
        }
        catch (IOException e)
        {
            _logger.LogWarning(e, "MTA-STS policy of {Domain} not kept on disk", domain);
        }
    }
}
