using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using HostingPanel.MailEngine.Hosting;
using HostingPanel.MailEngine.Listeners;
using HostingPanel.Testing;
using HostingPanel.Web.Hosting;
using HostingPanel.Web.Hosting.Acme;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace HostingPanel.Web.Tests.Operations;

/// <summary>
/// Certificates from a real ACME server: Debian's pebble (Let's Encrypt's test CA) on loopback, validating HTTP-01
/// against the product's own portal, then real TLS handshakes on the product's listeners.
///
/// How pebble reaches the portal: pebble checks HTTP-01 at http://{name}:{httpPort}/ with httpPort fixed in its
/// configuration, and resolves {name} through the DNS server given with -dnsserver. So the test publishes the names
/// in a dnsmasq of its own, pointing at a loopback address chosen at random for this test (127.a.b.c: Linux answers on
/// all of 127/8 without aliases), and the portal listens on that address at pebble's httpPort besides its usual
/// 127.0.0.1:0. Fixed ports on an address nothing else uses cannot race other sockets, which bind 127.0.0.1 or any.
/// Pebble's own HTTPS uses a certificate the test makes, which the product trusts through Acme:TrustedCaPath
/// (Debian's package ships no test certificate).
/// </summary>
public sealed class AcmeCertificateTests : IAsyncDisposable
{
    private const string MailHost = "mail.acme-test.example";
    private const string CustomerHost = "mail.customer.example";
    private const int PebbleHttpPort = 5002;
    private const string AdminApiKey = "hp_test_acme_admin_key_0123456789abcdefghij";
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(3);
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private readonly string _directory = Directory.CreateTempSubdirectory("hp-acme-").FullName;
    private readonly string _address = $"127.{Random.Shared.Next(64, 250)}.{Random.Shared.Next(1, 255)}.{Random.Shared.Next(2, 255)}";
    private readonly MovableClock _clock = new();
    private Process? _pebble;
    private DnsmasqServer? _dns;
    private WebApplication? _app;

    [Fact]
    public async Task Pebble_IssuesForTheMailHostAndAHostedName_ServedBySni_AndRenewalAtTwoThirdsSwapsWithoutRestart()
    {
        var pebble = TestEnvironment.RequireTool("pebble", "pebble");
        _dns = await DnsmasqServer.StartAsync();
        _dns.SetA(MailHost, _address);
        _dns.SetA(CustomerHost, _address);
        await _dns.PublishAsync();
        var pebbleCa = await StartPebbleAsync(pebble, _dns.Port);
        var app = await StartProductAsync(pebbleCa, CustomerHost);
        var tls = app.Services.GetRequiredService<MailTlsCertificate>();
        var listeners = app.Services.GetRequiredService<IMailListenerRegistry>();
        var root = await PebbleRootAsync(pebbleCa);

        // Issued for both names through HTTP-01 on the portal.
        await WaitUntilAsync(() => tls.InstalledNames.Contains(MailHost) && tls.InstalledNames.Contains(CustomerHost), "both certificates installed");
        var customerCert = tls.CertificateFor(CustomerHost);
        var mailCert = tls.CertificateFor(MailHost);
        Assert.NotEqual(customerCert.Thumbprint, mailCert.Thumbprint);

        // Every implicit-TLS listener and the portal's HTTPS choose by SNI; the chain sent leads to pebble's root.
        var httpsPort = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses
            .First(a => a.StartsWith("https://", StringComparison.Ordinal))).Port;
        foreach (var port in new[] { listeners.GetPort("imaps")!.Value, listeners.GetPort("pop3s")!.Value, listeners.GetPort("submissions")!.Value, httpsPort })
        {
            var served = await HandshakeAsync(port, CustomerHost, root);
            Assert.Equal(customerCert.Thumbprint, served.Thumbprint);
            Assert.Contains(CustomerHost, served.GetNameInfo(X509NameType.DnsName, false));
            Assert.Equal(mailCert.Thumbprint, (await HandshakeAsync(port, MailHost, root)).Thumbprint);
        }
        await OpenSslVerifyAsync(listeners.GetPort("imaps")!.Value, CustomerHost, root);
        await OpenSslVerifyAsync(httpsPort, CustomerHost, root);
        // A client without SNI gets the mail host's certificate.
        Assert.Equal(mailCert.Thumbprint, (await HandshakeAsync(listeners.GetPort("imaps")!.Value, "", root)).Thumbprint);
        // STARTTLS too (IMAP on the plain port).
        Assert.Equal(customerCert.Thumbprint, (await ImapStartTlsAsync(listeners.GetPort("imap")!.Value, CustomerHost, root)).Thumbprint);

        // Renewal at two thirds of the lifetime: a minute before, nothing changes ...
        var due = AcmeRenewalService.RenewalDue(customerCert);
        var notBefore = new DateTimeOffset(customerCert.NotBefore.ToUniversalTime());
        Assert.Equal(notBefore + (new DateTimeOffset(customerCert.NotAfter.ToUniversalTime()) - notBefore) * 2 / 3, due);
        _clock.Set(due - TimeSpan.FromMinutes(1));
        await Task.Delay(TimeSpan.FromSeconds(4), Ct); // four renewal checks (Acme:CheckInterval 1 s)
        Assert.Equal(customerCert.Thumbprint, tls.CertificateFor(CustomerHost).Thumbprint);

        // ... once past it, a new certificate is issued and the next handshake gets it, while a session opened
        // before goes on (no restart). The clock stops a little past the due moment: a certificate issued now is due
        // later than that (see MovableClock), so it is renewed exactly once.
        using var openBefore = await OpenImapsSessionAsync(listeners.GetPort("imaps")!.Value, root);
        _clock.Set(due + (DateTimeOffset.UtcNow - notBefore) / 2);
        await WaitUntilAsync(() => tls.CertificateFor(CustomerHost).Thumbprint != customerCert.Thumbprint, "the renewed certificate installed");
        var renewed = tls.CertificateFor(CustomerHost);
        Assert.NotEqual(customerCert.SerialNumber, renewed.SerialNumber);
        Assert.True(renewed.NotBefore >= customerCert.NotBefore);
        Assert.Equal(renewed.Thumbprint, (await HandshakeAsync(listeners.GetPort("imaps")!.Value, CustomerHost, root)).Thumbprint);
        Assert.Equal(renewed.Thumbprint, (await HandshakeAsync(httpsPort, CustomerHost, root)).Thumbprint);
        await OpenSslVerifyAsync(listeners.GetPort("imaps")!.Value, CustomerHost, root);
        Assert.Equal("a1 OK", (await openBefore.CommandAsync("a1 NOOP"))[..5]);

        // Stored on disk, and what a restart would serve is the renewed one.
        var stored = new AcmeCertificateStore(Path.Combine(_directory, "data", "tls", "acme")).Load(CustomerHost);
        Assert.Equal(renewed.Thumbprint, stored?.Certificate.Thumbprint);
    }

    /// <summary>
    /// A tenant asks for a certificate of its domain's own (mail.{domain}) through the API: refused until the domain is
    /// verified, invisible to another tenant, issued by the CA and served by SNI once asked, and served no more when withdrawn.
    /// </summary>
    [Fact]
    public async Task DomainCertificate_OnRequest_OnlyForAVerifiedDomainOfTheCaller_IssuedServedAndWithdrawn()
    {
        var pebble = TestEnvironment.RequireTool("pebble", "pebble");
        var domain = $"cert-{Guid.NewGuid():N}"[..16] + ".example";
        var host = "mail." + domain;
        _dns = await DnsmasqServer.StartAsync();
        _dns.SetA(MailHost, _address);
        _dns.SetA(host, _address);
        await _dns.PublishAsync();
        var pebbleCa = await StartPebbleAsync(pebble, _dns.Port);
        var app = await StartProductAsync(pebbleCa);
        var tls = app.Services.GetRequiredService<MailTlsCertificate>();
        var imaps = app.Services.GetRequiredService<IMailListenerRegistry>().GetPort("imaps")!.Value;
        var root = await PebbleRootAsync(pebbleCa);
        var portal = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses
            .First(a => a.StartsWith("http://127.0.0.1:", StringComparison.Ordinal)));
        using var admin = ApiClient(portal, AdminApiKey);
        var owner = await CustomerWithKeyAsync(admin, portal, "owner");
        var stranger = await CustomerWithKeyAsync(admin, portal, "stranger");
        await PostAsync(admin, "/api/v1/domains", new { name = domain, customerId = owner.Id }, HttpStatusCode.Created);
        var path = $"/api/v1/domains/{domain}/certificate";

        // Nothing asked yet; another tenant cannot see or ask for it; unverified: refused with the reason.
        Assert.Equal("none", (await GetJsonAsync(owner.Client, path))["status"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.NotFound, (await stranger.Client.GetAsync(path, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await stranger.Client.PostAsync(path, null, Ct)).StatusCode);
        var refused = await owner.Client.PostAsync(path, null, Ct);
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Contains("Verify " + domain, await refused.Content.ReadAsStringAsync(Ct));
        await Task.Delay(TimeSpan.FromSeconds(2), Ct);
        Assert.DoesNotContain(host, tls.InstalledNames);

        // Verified (by hand, as an admin may): asked for, issued through HTTP-01 and served by SNI.
        await PostAsync(admin, $"/api/v1/domains/{domain}/verify-by-hand", null, HttpStatusCode.OK);
        var asked = await PostAsync(owner.Client, path, null, HttpStatusCode.OK);
        Assert.Equal(host, asked["hostName"]!.GetValue<string>());
        Assert.Contains(asked["status"]!.GetValue<string>(), new[] { "requested", "issued" });
        await WaitUntilAsync(async () => (await GetJsonAsync(owner.Client, path))["status"]!.GetValue<string>() == "issued", "the domain's certificate issued");
        var issued = tls.CertificateFor(host);
        var served = await HandshakeAsync(imaps, host, root);
        Assert.Equal(issued.Thumbprint, served.Thumbprint);
        Assert.Contains(host, served.GetNameInfo(X509NameType.DnsName, false));
        await OpenSslVerifyAsync(imaps, host, root);
        Assert.True((await GetJsonAsync(owner.Client, path))["notAfter"]!.GetValue<DateTimeOffset>() > DateTimeOffset.UtcNow);

        // Withdrawn: the name gets the server's certificate again.
        Assert.Equal("none", (await DeleteJsonAsync(owner.Client, path))["status"]!.GetValue<string>());
        var mailCert = tls.CertificateFor(MailHost);
        await WaitUntilAsync(() => !tls.InstalledNames.Contains(host), "the withdrawn certificate no longer served");
        Assert.Equal(mailCert.Thumbprint, (await HandshakeAsync(imaps, "", root)).Thumbprint);
        using var again = new TcpClient();
        await again.ConnectAsync(IPAddress.Loopback, imaps, Ct);
        await using var ssl = new SslStream(again.GetStream());
        await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = host, RemoteCertificateValidationCallback = (_, _, _, _) => true }, Ct);
        Assert.Equal(mailCert.Thumbprint, new X509Certificate2(ssl.RemoteCertificate!).Thumbprint);
    }

    private static HttpClient ApiClient(Uri portal, string key)
    {
        var client = new HttpClient { BaseAddress = portal };
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
        return client;
    }

    private static async Task<(string Id, HttpClient Client)> CustomerWithKeyAsync(HttpClient admin, Uri portal, string tag)
    {
        var email = $"{tag}-{Guid.NewGuid():N}"[..20] + "@customers.example";
        var customer = await PostAsync(admin, "/api/v1/customers", new
        {
            name = $"Customer {tag} {Guid.NewGuid():N}"[..30], email, password = "customer-password-1",
            limits = new { maxDomains = 2, maxMailboxes = 2, diskQuotaMb = 100 },
        }, HttpStatusCode.Created);
        var key = await PostAsync(admin, "/api/v1/apikeys", new { name = "k", userEmail = email }, HttpStatusCode.Created);
        return (customer["id"]!.GetValue<string>(), ApiClient(portal, key["key"]!.GetValue<string>()));
    }

    private static async Task<System.Text.Json.Nodes.JsonNode> PostAsync(HttpClient client, string path, object? body, HttpStatusCode expected)
    {
        using var response = body is null ? await client.PostAsync(path, null, Ct) : await client.PostAsJsonAsync(path, body, Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == expected, $"{path}: {(int)response.StatusCode} {text}");
        return System.Text.Json.Nodes.JsonNode.Parse(text)!;
    }

    private static async Task<System.Text.Json.Nodes.JsonNode> GetJsonAsync(HttpClient client, string path)
    {
        using var response = await client.GetAsync(path, Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.IsSuccessStatusCode, $"{path}: {(int)response.StatusCode} {text}");
        return System.Text.Json.Nodes.JsonNode.Parse(text)!;
    }

    private static async Task<System.Text.Json.Nodes.JsonNode> DeleteJsonAsync(HttpClient client, string path)
    {
        using var response = await client.DeleteAsync(path, Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.IsSuccessStatusCode, $"{path}: {(int)response.StatusCode} {text}");
        return System.Text.Json.Nodes.JsonNode.Parse(text)!;
    }

    [Fact]
    public async Task ChallengeResponder_AnswersOnlyTheTokenOnOffer()
    {
        var challenges = new AcmeChallenges();
        challenges.Offer("abc_DEF-123", "abc_DEF-123.thumb");
        Assert.Equal("abc_DEF-123.thumb", challenges.Answer("abc_DEF-123"));
        Assert.Null(challenges.Answer("other"));
        challenges.Withdraw("abc_DEF-123");
        Assert.Null(challenges.Answer("abc_DEF-123"));
        await Task.CompletedTask;
    }

    [Theory]
    [InlineData("localhost")]
    [InlineData("127.0.0.1")]
    [InlineData("*.example.com")]
    [InlineData("bad_name.example")]
    [InlineData("-x.example")]
    public void Names_ThatNoCaIssuesFor_AreRefused(string name) => Assert.Throws<ArgumentException>(() => AcmeNames.Normalize(name));

    [Fact]
    public void Names_AreStoredInALabelForm() => Assert.Equal("mail.xn--bcher-kva.example", AcmeNames.Normalize("Mail.Bücher.example."));

    private async Task<X509Certificate2> StartPebbleAsync(string pebble, int dnsPort)
    {
        // Pebble's HTTPS certificate, for the random loopback address it listens on.
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=pebble test listener", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Parse(_address));
        request.CertificateExtensions.Add(san.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        var certPath = Path.Combine(_directory, "pebble.crt.pem");
        var keyPath = Path.Combine(_directory, "pebble.key.pem");
        await File.WriteAllTextAsync(certPath, certificate.ExportCertificatePem(), Ct);
        await File.WriteAllTextAsync(keyPath, key.ExportPkcs8PrivateKeyPem(), Ct);
        var config = Path.Combine(_directory, "pebble.json");
        await File.WriteAllTextAsync(config, $$"""
            { "pebble": { "listenAddress": "{{_address}}:14000", "managementListenAddress": "{{_address}}:15000",
              "certificate": "{{certPath}}", "privateKey": "{{keyPath}}", "httpPort": {{PebbleHttpPort}}, "tlsPort": 5001,
              "ocspResponderURL": "", "externalAccountBindingRequired": false } }
            """, Ct);
        var start = new ProcessStartInfo(pebble) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "-config", config, "-dnsserver", $"127.0.0.1:{dnsPort}" })
            start.ArgumentList.Add(a);
        // No random 0-15 s sleep before validating, no random nonce refusals, and validation really done.
        start.Environment["PEBBLE_VA_NOSLEEP"] = "1";
        start.Environment["PEBBLE_WFE_NONCEREJECT"] = "0";
        start.Environment["PEBBLE_VA_ALWAYS_VALID"] = "0";
        _pebble = Process.Start(start)!;
        var output = new StringBuilder();
        _pebble.OutputDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        _pebble.ErrorDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        _pebble.BeginOutputReadLine();
        _pebble.BeginErrorReadLine();
        await WaitUntilAsync(async () =>
        {
            Assert.False(_pebble.HasExited, "pebble exited: " + output);
            using var probe = new TcpClient();
            try { await probe.ConnectAsync(IPAddress.Parse(_address), 14000, Ct); return true; }
            catch (SocketException) { return false; }
        }, "pebble listening");
        return X509Certificate2.CreateFromPem(certificate.ExportCertificatePem());
    }

    private async Task<WebApplication> StartProductAsync(X509Certificate2 pebbleCa, params string[] names)
    {
        var caPath = Path.Combine(_directory, "pebble.crt.pem");
        var settings = new Dictionary<string, string>
        {
            ["Urls"] = $"http://127.0.0.1:0;http://{_address}:{PebbleHttpPort};https://127.0.0.1:0",
            ["Storage:DataDirectory"] = Path.Combine(_directory, "data"),
            ["Bootstrap:AdminPassword"] = "admin-password-for-tests",
            ["Logging:LogLevel:Default"] = "Warning",
            ["Mail:Hostname"] = MailHost,
            ["Acme:Enabled"] = "true",
            ["Acme:DirectoryUrl"] = $"https://{_address}:14000/dir",
            ["Acme:TrustedCaPath"] = caPath,
            ["Acme:Email"] = "hostmaster@acme-test.example",
            ["Bootstrap:ApiKey"] = AdminApiKey,
            ["Acme:CheckInterval"] = "00:00:01",
            ["Acme:RetryInterval"] = "00:00:02",
        };
        for (var i = 0; i < names.Length; i++)
            settings[$"Acme:Names:{i}"] = names[i];
        foreach (var key in new[] { "Imap", "Imaps", "Pop3", "Pop3s", "Smtp", "Submission", "Submissions", "ManageSieve" })
            settings[$"Mail:{key}:Port"] = "-1";
        _app = PanelHost.Build(settings.Select(kv => $"--{kv.Key}={kv.Value}").ToArray(),
            overrideServices: s => s.AddKeyedSingleton<TimeProvider>(AcmeRenewalService.ClockKey, _clock));
        await PanelHost.StartAsync(_app, Ct);
        return _app;
    }

    /// <summary>Pebble's current root (its management interface), to check the chains the product sends.</summary>
    private async Task<X509Certificate2> PebbleRootAsync(X509Certificate2 pebbleCa)
    {
        using var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, cert, _, _) => cert?.Thumbprint == pebbleCa.Thumbprint };
        using var http = new HttpClient(handler);
        var pem = await http.GetStringAsync($"https://{_address}:15000/roots/0", Ct);
        return X509Certificate2.CreateFromPem(pem);
    }

    /// <summary>A TLS handshake naming <paramref name="sni"/> ("" sends none); checks the sent chain leads to <paramref name="root"/>.</summary>
    private static async Task<X509Certificate2> HandshakeAsync(int port, string sni, X509Certificate2 root)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port, Ct);
        await using var ssl = new SslStream(client.GetStream());
        return await AuthenticateAsync(ssl, sni, root);
    }

    /// <summary>
    /// The handshake as a client that asks for <paramref name="sni"/>: returns the certificate served and checks that it
    /// names that host. (Whether the chain sent leads to pebble's root is checked by <see cref="OpenSslVerifyAsync"/>:
    /// .NET's client on Linux did not hand the server's intermediates to its chain check here.)
    /// </summary>
    private static async Task<X509Certificate2> AuthenticateAsync(SslStream ssl, string sni, X509Certificate2 root)
    {
        var errors = SslPolicyErrors.None;
        await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = sni,
            RemoteCertificateValidationCallback = (_, _, _, e) => { errors = e; return true; },
        }, Ct);
        var leaf = new X509Certificate2(ssl.RemoteCertificate!);
        if (sni.Length > 0)
            Assert.False(errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch), $"'{sni}' got {leaf.Subject}");
        return leaf;
    }

    /// <summary>Debian's openssl s_client with SNI, trusting only pebble's root: the served chain must verify.</summary>
    private async Task OpenSslVerifyAsync(int port, string sni, X509Certificate2 root)
    {
        var openssl = TestEnvironment.RequireTool("openssl", "openssl");
        var rootPath = Path.Combine(_directory, "pebble-root.pem");
        await File.WriteAllTextAsync(rootPath, root.ExportCertificatePem(), Ct);
        var start = new ProcessStartInfo(openssl) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "s_client", "-connect", $"127.0.0.1:{port}", "-servername", sni, "-CAfile", rootPath, "-verify_hostname", sni, "-verify_return_error" })
            start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        var output = await process.StandardOutput.ReadToEndAsync(Ct) + await process.StandardError.ReadToEndAsync(Ct);
        await process.WaitForExitAsync(Ct);
        Assert.True(output.Contains("Verify return code: 0 (ok)", StringComparison.Ordinal), $"port {port}, '{sni}':\n{output}");
        Assert.Contains($"CN = {sni}", output);
    }

    private static async Task<X509Certificate2> ImapStartTlsAsync(int port, string sni, X509Certificate2 root)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port, Ct);
        var stream = client.GetStream();
        var greeting = await ReadLineAsync(stream);
        Assert.StartsWith("* OK", greeting);
        await stream.WriteAsync("s1 STARTTLS\r\n"u8.ToArray(), Ct);
        Assert.StartsWith("s1 OK", await ReadLineAsync(stream));
        await using var ssl = new SslStream(stream, leaveInnerStreamOpen: true);
        return await AuthenticateAsync(ssl, sni, root);
    }

    private static async Task<string> ReadLineAsync(Stream stream)
    {
        var line = new StringBuilder();
        var one = new byte[1];
        while (await stream.ReadAsync(one, Ct) == 1 && one[0] != '\n')
            if (one[0] != '\r') line.Append((char)one[0]);
        return line.ToString();
    }

    private static async Task<OpenSession> OpenImapsSessionAsync(int port, X509Certificate2 root)
    {
        var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port, Ct);
        var ssl = new SslStream(client.GetStream());
        await AuthenticateAsync(ssl, CustomerHost, root);
        Assert.StartsWith("* OK", await ReadLineAsync(ssl));
        return new OpenSession(client, ssl);
    }

    private sealed class OpenSession(TcpClient client, SslStream ssl) : IDisposable
    {
        public async Task<string> CommandAsync(string command)
        {
            await ssl.WriteAsync(Encoding.ASCII.GetBytes(command + "\r\n"), Ct);
            string line;
            do line = await ReadLineAsync(ssl); while (line.StartsWith('*'));
            return line;
        }

        public void Dispose()
        {
            ssl.Dispose();
            client.Dispose();
        }
    }

    private static Task WaitUntilAsync(Func<bool> condition, string what) => WaitUntilAsync(() => Task.FromResult(condition()), what);

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, string what)
    {
        var until = DateTime.UtcNow + Patience;
        while (!await condition())
        {
            if (DateTime.UtcNow > until) Assert.Fail($"not within {Patience}: {what}");
            await Task.Delay(200, Ct);
        }
    }

    /// <summary>
    /// The renewal loop's clock: the real one until <see cref="Set"/>, then stopped at the moment set. Stopped rather than
    /// shifted, because the CA's clock is not moved: a certificate issued after the jump starts (in real time) later than
    /// the one it replaces, so its own two-thirds mark lies past the stopped moment when that is set between the two.
    /// </summary>
    private sealed class MovableClock : TimeProvider
    {
        private DateTimeOffset? _now;

        public void Set(DateTimeOffset now) => _now = now;

        public override DateTimeOffset GetUtcNow() => _now ?? base.GetUtcNow();
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
        if (_pebble is not null && !_pebble.HasExited)
        {
            _pebble.Kill();
            await _pebble.WaitForExitAsync();
        }
        _pebble?.Dispose();
        if (_dns is not null) await _dns.DisposeAsync();
        try { Directory.Delete(_directory, recursive: true); } catch (IOException) { }
    }
}
