using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using HostingPanel.Data.Identity;
using HostingPanel.Web.Tests.Api;
using ApiCalls = HostingPanel.Web.Tests.Api.Api;
using HostingPanel.Web.Tests.Infrastructure;
using HostingPanel.Web.Tests.Portal;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace HostingPanel.Web.Tests.Security;

/// <summary>The roles the authorization matrix acts as.</summary>
public enum MatrixRole { Admin, Support, Reseller, Customer, MailboxOwner, Anonymous }

/// <summary>Whose object a request names: the actor's own tenant, a sibling customer under the same reseller, or another reseller's customer.</summary>
public enum Ownership { Own, SiblingCustomer, OtherReseller }

/// <summary>One customer's tree as seeded: its reseller, the customer, a domain with mailbox "info", alias "sales" and a deleted mailbox "gone".</summary>
public sealed record MatrixTenant(
    string Tag, string ResellerId, string ResellerName, string ResellerEmail,
    string CustomerId, string CustomerName, string CustomerEmail, string Domain)
{
    public const string Mailbox = "info", Alias = "sales", DeletedMailbox = "gone";
    public const int ResellerCustomers = 20, ResellerDomains = 200, ResellerMailboxes = 200, ResellerDiskMb = 1_000_000;
    public const int PlanDomains = 50, PlanMailboxes = 50, PlanDiskMb = 100_000;
    public string MailboxAddress => $"{Mailbox}@{Domain}";
}

/// <summary>
/// The real host (SQLite, or PostgreSQL in <see cref="PostgresMatrixWorld"/>) with two resellers; reseller A has customers A1 and A2, reseller B has customer B1.
/// The acting reseller, customer and mailbox owner belong to A / A1; A2 is the sibling tenant, B1 the other reseller's.
/// Seeded through the API as an admin; objects for state-changing requests are made fresh on demand.
/// </summary>
public class MatrixWorld : PanelHostFixture, IAsyncLifetime
{
    public MatrixWorld() : this(TestProvider.Sqlite) { }

    protected MatrixWorld(TestProvider provider) : base(provider) { }

    public const string Password = "correct-horse-battery";
    public const string SupportEmail = "support@matrix.example";

    private readonly Dictionary<MatrixRole, PortalSession> _sessions = [];
    private readonly Dictionary<MatrixRole, HttpClient> _api = [];
    private readonly Dictionary<MatrixRole, string> _tokens = [];
    private int _counter;

    public MatrixTenant A { get; private set; } = null!;
    public MatrixTenant A2 { get; private set; } = null!;
    public MatrixTenant B { get; private set; } = null!;
    public HttpClient Admin { get; private set; } = null!;

    public MatrixTenant TenantOf(Ownership o) => o switch { Ownership.Own => A, Ownership.SiblingCustomer => A2, _ => B };

    public new async ValueTask InitializeAsync()
    {
        await base.InitializeAsync();
        if (App is null) return; // no PostgreSQL here: the tests call RequireAvailable()
        Admin = CreateAdminApiClient();
        var ra = await CreateResellerAsync("a");
        var rb = await CreateResellerAsync("b");
        A = await CreateCustomerAsync(ra, "a1");
        A2 = await CreateCustomerAsync(ra, "a2");
        B = await CreateCustomerAsync(rb, "b1");

        using (var scope = App.Services.CreateScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
            var support = new AppUser { UserName = SupportEmail, Email = SupportEmail, EmailConfirmed = true, DisplayName = "Support" };
            Assert.True((await users.CreateAsync(support, Password)).Succeeded);
            Assert.True((await users.AddToRoleAsync(support, Roles.Support)).Succeeded);
        }

        foreach (var role in Enum.GetValues<MatrixRole>())
        {
            _sessions[role] = role == MatrixRole.Anonymous ? new PortalSession(CreateClient()) : await SignInAsync(role);
            _api[role] = role switch
            {
                MatrixRole.Admin => CreateAdminApiClient(),
                MatrixRole.Anonymous => CreateClient(),
                // The owner's portal account exists after its first sign-in (above); an admin may give it a key.
                _ => CreateClient(await ApiHostFixture.KeyForAsync(Admin, EmailOf(role))),
            };
        }
    }

    public string EmailOf(MatrixRole role) => role switch
    {
        MatrixRole.Admin => AdminEmail,
        MatrixRole.Support => SupportEmail,
        MatrixRole.Reseller => A.ResellerEmail,
        MatrixRole.Customer => A.CustomerEmail,
        MatrixRole.MailboxOwner => A.MailboxAddress,
        _ => throw new ArgumentOutOfRangeException(nameof(role)),
    };

    /// <summary>A new sign-in for the role, after a request ended its sessions.</summary>
    public async Task RenewSessionAsync(MatrixRole role)
    {
        if (role == MatrixRole.Anonymous) return;
        _sessions[role].Dispose();
        _sessions[role] = await SignInAsync(role);
        _tokens.Remove(role);
    }

    public Task<PortalSession> SignInAsync(MatrixRole role) =>
        PortalSession.SignInAsync(this, EmailOf(role), role == MatrixRole.Admin ? AdminPassword : Password);

    public PortalSession Portal(MatrixRole role) => _sessions[role];

    public HttpClient ApiClient(MatrixRole role) => _api[role];

    /// <summary>An antiforgery token for the session (tokens are bound to the signed-in user, not to one form).</summary>
    public async Task<string> TokenAsync(MatrixRole role, PortalSession? session = null)
    {
        if (session is null && _tokens.TryGetValue(role, out var cached)) return cached;
        var page = await (session ?? _sessions[role]).GetStringAsync("/account/login");
        var match = System.Text.RegularExpressions.Regex.Match(page, "name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"");
        Assert.True(match.Success, "no antiforgery token on /account/login");
        var token = WebUtility.HtmlDecode(match.Groups[1].Value);
        if (session is null) _tokens[role] = token;
        return token;
    }

    private readonly Dictionary<bool, string> _seededStaff = [];

    /// <summary>A support user that no state-changing request touches (the matrix's own support user signs in).</summary>
    public async Task<string> SeededStaffAsync(bool deleted = false) =>
        _seededStaff.TryGetValue(deleted, out var id) ? id : _seededStaff[deleted] = await FreshStaffAsync(deleted);

    /// <summary>A support user of its own (deleted: in its grace period), for requests that delete or restore it.</summary>
    public async Task<string> FreshStaffAsync(bool deleted = false)
    {
        using var scope = App!.Services.CreateScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
        var email = Unique("staff") + "@matrix.example";
        var user = new AppUser { UserName = email, Email = email, EmailConfirmed = true, DisplayName = "Staff", DeletedAt = deleted ? DateTimeOffset.UtcNow : null };
        Assert.True((await users.CreateAsync(user, Password)).Succeeded);
        Assert.True((await users.AddToRoleAsync(user, Roles.Support)).Succeeded);
        return user.Id;
    }

    public string Unique(string prefix) => $"{prefix}{Interlocked.Increment(ref _counter)}x{Guid.NewGuid().ToString("N")[..6]}";

    // --- fresh objects for requests that change or remove what they name ---------------------------

    public async Task<string> FreshAliasAsync(MatrixTenant t)
    {
        var local = Unique("z");
        await ApiCalls.CreatedAsync(Admin, $"/api/v1/domains/{t.Domain}/aliases", new { localPart = local, destinations = new[] { t.MailboxAddress } });
        return local;
    }

    public async Task<string> FreshMailboxAsync(MatrixTenant t)
    {
        var local = Unique("m");
        await ApiCalls.CreatedAsync(Admin, $"/api/v1/domains/{t.Domain}/mailboxes", new { localPart = local, password = Password, quotaMb = 1 });
        return local;
    }

    public async Task<string> FreshDeletedMailboxAsync(MatrixTenant t)
    {
        var local = await FreshMailboxAsync(t);
        var (status, _, _) = await ApiCalls.SendAsync(Admin, HttpMethod.Delete, $"/api/v1/domains/{t.Domain}/mailboxes/{local}");
        Assert.Equal(HttpStatusCode.NoContent, status);
        return local;
    }

    public async Task<string> FreshDomainAsync(MatrixTenant t)
    {
        var name = $"{Unique("d")}.{t.Tag}.example";
        await ApiCalls.CreatedAsync(Admin, "/api/v1/domains", new { name, customerId = t.CustomerId });
        return name;
    }

    /// <summary>A customer of the tenant's reseller with an empty plan (it takes nothing from the pool but its place).</summary>
    public async Task<string> FreshCustomerAsync(MatrixTenant t)
    {
        var tag = Unique("c");
        var c = await ApiCalls.CreatedAsync(Admin, "/api/v1/customers", new
        {
            name = $"Fresh {tag}", email = $"{tag}@matrix.example", password = Password, resellerId = t.ResellerId,
            limits = new { maxDomains = 0, maxMailboxes = 0, diskQuotaMb = 0 },
        });
        return c["id"]!.GetValue<string>();
    }

    private readonly Dictionary<string, string> _scratchLogins = [];

    /// <summary>
    /// The login (email) of a customer of the tenant's reseller that only requests changing a login touch (password resets,
    /// unlocks): one per tenant, so the reseller's pool of customers is not used up by them.
    /// </summary>
    public async Task<string> FreshCustomerLoginAsync(MatrixTenant t)
    {
        if (_scratchLogins.TryGetValue(t.Tag, out var email)) return email;
        var id = await FreshCustomerAsync(t);
        return _scratchLogins[t.Tag] = (await ApiCalls.GetAsync(Admin, $"/api/v1/customers/{id}"))["email"]!.GetValue<string>();
    }

    public async Task<string> FreshDeletedCustomerAsync(MatrixTenant t)
    {
        var id = await FreshCustomerAsync(t);
        var (status, _, _) = await ApiCalls.SendAsync(Admin, HttpMethod.Delete, $"/api/v1/customers/{id}");
        Assert.Equal(HttpStatusCode.NoContent, status);
        return id;
    }

    public async Task<string> FreshResellerAsync()
    {
        var tag = Unique("r");
        var r = await ApiCalls.CreatedAsync(Admin, "/api/v1/resellers", new
        {
            name = $"Fresh {tag}", email = $"{tag}@matrix.example", password = Password,
            limits = new { maxCustomers = 1, maxDomains = 1, maxMailboxes = 1, diskQuotaMb = 1 },
        });
        return r["id"]!.GetValue<string>();
    }

    public async Task<string> FreshDeletedResellerAsync()
    {
        var id = await FreshResellerAsync();
        var (status, _, _) = await ApiCalls.SendAsync(Admin, HttpMethod.Delete, $"/api/v1/resellers/{id}");
        Assert.Equal(HttpStatusCode.NoContent, status);
        return id;
    }

    private readonly Dictionary<string, string> _seededDeletedCustomers = [];
    private string? _seededDeletedReseller;

    /// <summary>A deleted customer of the tenant's reseller that every refused restore must leave deleted.</summary>
    public async Task<string> SeededDeletedCustomerAsync(MatrixTenant t)
    {
        if (!_seededDeletedCustomers.TryGetValue(t.Tag, out var id)) _seededDeletedCustomers[t.Tag] = id = await FreshDeletedCustomerAsync(t);
        return id;
    }

    public async Task<string> SeededDeletedResellerAsync() => _seededDeletedReseller ??= await FreshDeletedResellerAsync();

    private readonly Dictionary<string, string> _seededKeys = [];

    /// <summary>A key of the tenant's customer login that must survive every refused revoke.</summary>
    public async Task<string> SeededKeyIdAsync(MatrixTenant t)
    {
        if (!_seededKeys.TryGetValue(t.Tag, out var id)) _seededKeys[t.Tag] = id = await FreshKeyIdAsync(t);
        return id;
    }

    public IReadOnlyDictionary<string, string> SeededKeys => _seededKeys;

    /// <summary>A new key of the tenant's customer login, for revoking.</summary>
    public async Task<string> FreshKeyIdAsync(MatrixTenant t)
    {
        var key = await ApiCalls.CreatedAsync(Admin, "/api/v1/apikeys", new { name = Unique("key"), userEmail = t.CustomerEmail });
        return key["id"]!.GetValue<string>();
    }

    // --- seeding ------------------------------------------------------------------------------------

    private async Task<(string Id, string Name, string Email)> CreateResellerAsync(string tag)
    {
        var email = $"reseller-{tag}@matrix.example";
        var name = $"Reseller {tag.ToUpperInvariant()}";
        var r = await ApiCalls.CreatedAsync(Admin, "/api/v1/resellers", new
        {
            name, email, password = Password,
            limits = new { maxCustomers = MatrixTenant.ResellerCustomers, maxDomains = MatrixTenant.ResellerDomains, maxMailboxes = MatrixTenant.ResellerMailboxes, diskQuotaMb = MatrixTenant.ResellerDiskMb },
        });
        return (r["id"]!.GetValue<string>(), name, email);
    }

    private async Task<MatrixTenant> CreateCustomerAsync((string Id, string Name, string Email) reseller, string tag)
    {
        var email = $"customer-{tag}@matrix.example";
        var name = $"Customer {tag.ToUpperInvariant()}";
        var c = await ApiCalls.CreatedAsync(Admin, "/api/v1/customers", new
        {
            name, email, password = Password, resellerId = reseller.Id,
            limits = new { maxDomains = MatrixTenant.PlanDomains, maxMailboxes = MatrixTenant.PlanMailboxes, diskQuotaMb = MatrixTenant.PlanDiskMb },
        });
        var domain = $"{tag}.matrix.example";
        var tenant = new MatrixTenant(tag, reseller.Id, reseller.Name, reseller.Email, c["id"]!.GetValue<string>(), name, email, domain);
        await ApiCalls.CreatedAsync(Admin, "/api/v1/domains", new { name = domain, customerId = tenant.CustomerId });
        await ApiCalls.CreatedAsync(Admin, $"/api/v1/domains/{domain}/mailboxes", new { localPart = MatrixTenant.Mailbox, password = Password, quotaMb = 100, displayName = "Info" });
        await ApiCalls.CreatedAsync(Admin, $"/api/v1/domains/{domain}/mailboxes", new { localPart = MatrixTenant.DeletedMailbox, password = Password, quotaMb = 1 });
        await ApiCalls.SendAsync(Admin, HttpMethod.Delete, $"/api/v1/domains/{domain}/mailboxes/{MatrixTenant.DeletedMailbox}");
        await ApiCalls.CreatedAsync(Admin, $"/api/v1/domains/{domain}/aliases", new { localPart = MatrixTenant.Alias, destinations = new[] { tenant.MailboxAddress } });
        return tenant;
    }

    public new async ValueTask DisposeAsync()
    {
        foreach (var s in _sessions.Values) s.Dispose();
        foreach (var c in _api.Values) c.Dispose();
        Admin?.Dispose();
        await base.DisposeAsync();
    }
}

/// <summary>The same world on PostgreSQL: tenancy filters and queries must hold on both providers.</summary>
public sealed class PostgresMatrixWorld() : MatrixWorld(TestProvider.PostgreSql);

/// <summary>The security test classes share one seeded world: seeding costs more than their tests.</summary>
[CollectionDefinition(Name)]
public sealed class SecurityCollection : ICollectionFixture<MatrixWorld>
{
    public const string Name = "Security world";
}

/// <summary>The authorization matrix on PostgreSQL, in its own world (it may run beside the SQLite one).</summary>
[CollectionDefinition(Name)]
public sealed class PostgresSecurityCollection : ICollectionFixture<PostgresMatrixWorld>
{
    public const string Name = "Security world (PostgreSQL)";
}
