using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using HostingPanel.MailEngine.Auth;
using HostingPanel.Web.Tests.Infrastructure;
using MailKit.Net.Imap;
using MailKit.Security;

namespace HostingPanel.Web.Tests.Provisioning;

/// <summary>
/// The import path of POST /api/v1/domains/{domain}/mailboxes: `passwordHash` (a Dovecot-format hash)
/// instead of `password`, for moving mailboxes from another server and for bulk creation.
/// </summary>
public sealed class MailboxImportTests(MailHostFixture host) : IClassFixture<MailHostFixture>
{
    private const string Password = "imported-password-1";
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static TheoryData<string, string> Schemes => new()
    {
        { "argon", DovecotPassword.HashArgon2Id(Password) },
        { "sha", DovecotPassword.HashSha512Crypt(Password) },
        { "blf", DovecotPassword.HashBlowfishCrypt(Password, 4) },
    };

    [Theory, MemberData(nameof(Schemes))]
    public async Task PasswordHash_OfEachScheme_CreatesAMailboxThatLogsInWithThePasswordBehindIt(string localPart, string hash)
    {
        using var api = host.CreateAdminApiClient();
        await EnsureDomainAsync(api);
        var response = await api.PostAsJsonAsync("/api/v1/domains/import.example/mailboxes", new { localPart, passwordHash = hash, quotaMb = 10 }, Ct);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.False(body.TryGetProperty("passwordHash", out _), "the hash must never be echoed");

        var sw = Stopwatch.StartNew();
        while ((await api.GetFromJsonAsync<JsonElement>($"/api/v1/domains/import.example/mailboxes/{localPart}", Ct)).GetProperty("status").GetString() != "active")
        {
            Assert.True(sw.Elapsed < TimeSpan.FromSeconds(20), "the imported mailbox never became active");
            await Task.Delay(50, Ct);
        }
        using var imap = new ImapClient();
        await imap.ConnectAsync("127.0.0.1", host.Port("imap"), SecureSocketOptions.None, Ct);
        await imap.AuthenticateAsync($"{localPart}@import.example", Password, Ct);
        Assert.True(imap.IsAuthenticated);
    }

    [Theory]
    [InlineData("{PLAIN}secret", "passwordHash")]
    [InlineData("{SHA512-CRYPT}$6$saltsalt$tooShort", "passwordHash")]
    [InlineData("{BLF-CRYPT}$2y$10$notabcrypthash", "passwordHash")]
    [InlineData("{ARGON2ID}$argon2id$v=19$m=65536,t=3,p=1$c2FsdA$aGFzaA", "passwordHash")]
    [InlineData("$6$rounds=5000$saltsalt$ZZZZ", "passwordHash")]
    public async Task PasswordHash_NotAComplete_SupportedHash_Is400_AndNothingIsCreated(string hash, string field)
    {
        using var api = host.CreateAdminApiClient();
        await EnsureDomainAsync(api);
        var response = await api.PostAsJsonAsync("/api/v1/domains/import.example/mailboxes", new { localPart = "bad", passwordHash = hash, quotaMb = 10 }, Ct);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        var message = Assert.Single(problem.GetProperty("errors").GetProperty(field).EnumerateArray()).GetString();
        Assert.Equal("The password hash must be a complete Dovecot-format hash: {ARGON2ID}$argon2id$..., {SHA512-CRYPT}$6$... or {BLF-CRYPT}$2y$... (as doveadm pw writes them).", message);
        Assert.Equal(HttpStatusCode.NotFound, (await api.GetAsync("/api/v1/domains/import.example/mailboxes/bad", Ct)).StatusCode);
    }

    [Fact]
    public async Task PasswordAndPasswordHash_Together_Is400_NamingPassword()
    {
        using var api = host.CreateAdminApiClient();
        await EnsureDomainAsync(api);
        var response = await api.PostAsJsonAsync("/api/v1/domains/import.example/mailboxes",
            new { localPart = "both", password = Password, passwordHash = DovecotPassword.HashSha512Crypt(Password), quotaMb = 10 }, Ct);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal("Give either a password or a password hash, not both.",
            Assert.Single(problem.GetProperty("errors").GetProperty("password").EnumerateArray()).GetString());
    }

    private static readonly SemaphoreSlim DomainGate = new(1, 1);
    private static bool _domainMade;

    private static async Task EnsureDomainAsync(HttpClient api)
    {
        await DomainGate.WaitAsync(Ct);
        try
        {
            if (_domainMade) return;
            var customer = await (await api.PostAsJsonAsync("/api/v1/customers", new
            {
                name = "Import", email = "owner@import.example", password = "customer-password-1",
                limits = new { maxDomains = 1, maxMailboxes = 10, diskQuotaMb = 100 },
            }, Ct)).EnsureSuccessStatusCode().Content.ReadFromJsonAsync<JsonElement>(Ct);
            (await api.PostAsJsonAsync("/api/v1/domains", new { name = "import.example", customerId = customer.GetProperty("id").GetString() }, Ct)).EnsureSuccessStatusCode();
            _domainMade = true;
        }
        finally
        {
            DomainGate.Release();
        }
    }
}
