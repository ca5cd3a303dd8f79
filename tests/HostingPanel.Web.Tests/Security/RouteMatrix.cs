using static HostingPanel.Web.Tests.Security.MatrixRole;

namespace HostingPanel.Web.Tests.Security;

/// <summary>What a request ends in, as the user sees it.</summary>
public enum Outcome { Allowed, NotFound, Forbidden, LoginPage, Unauthorized, ServerError, Refused }

/// <summary>A request to send: a path, and a form (portal, sent with the session's antiforgery token), a JSON body (API) or an XML body.</summary>
public sealed record MatrixRequest(string Path, Dictionary<string, string>? Form = null, object? Json = null, string? Xml = null, string? Csv = null, string CsvType = "text/csv");

/// <summary>What a rule's request builder may use: the tenant whose object is named, and whether to make a fresh object.</summary>
public sealed class MatrixContext(MatrixWorld world, MatrixTenant tenant, bool fresh)
{
    public MatrixWorld World { get; } = world;
    public MatrixTenant T { get; } = tenant;
    public bool Fresh { get; } = fresh;

    public Task<string> AliasAsync() => Fresh ? World.FreshAliasAsync(T) : Task.FromResult(MatrixTenant.Alias);
    public Task<string> MailboxAsync() => Fresh ? World.FreshMailboxAsync(T) : Task.FromResult(MatrixTenant.Mailbox);
    public Task<string> DeletedMailboxAsync() => Fresh ? World.FreshDeletedMailboxAsync(T) : Task.FromResult(MatrixTenant.DeletedMailbox);
    public Task<string> DomainAsync() => Fresh ? World.FreshDomainAsync(T) : Task.FromResult(T.Domain);
    public Task<string> KeyIdAsync() => Fresh ? World.FreshKeyIdAsync(T) : World.SeededKeyIdAsync(T);
    public Task<string> CustomerIdAsync() => Fresh ? World.FreshCustomerAsync(T) : Task.FromResult(T.CustomerId);
    public async Task<string> CustomerLoginAsync() => Fresh ? await World.FreshCustomerLoginAsync(T) : T.CustomerEmail;
    public Task<string> DeletedCustomerIdAsync() => Fresh ? World.FreshDeletedCustomerAsync(T) : World.SeededDeletedCustomerAsync(T);
    public Task<string> ResellerIdAsync() => Fresh ? World.FreshResellerAsync() : Task.FromResult(T.ResellerId);
    public Task<string> DeletedResellerIdAsync() => Fresh ? World.FreshDeletedResellerAsync() : World.SeededDeletedResellerAsync();
}

/// <summary>
/// One route of the app (method and pattern exactly as the endpoint data source has them) and its policy:
/// the outcome for each role on its own tenant's object, a sibling customer's and another reseller's.
/// </summary>
public sealed record RouteRule(
    string Method, string Pattern, bool Api, bool Tenant,
    Func<MatrixRole, Ownership, Outcome> Expect,
    Func<MatrixContext, Task<MatrixRequest>> Build)
{
    public string Key => $"{Method} {Pattern}";

    /// <summary>The request changes or removes what it names: where it is allowed it gets a fresh object, so the seeded ones stay as they are.</summary>
    public bool ChangesTarget { get; init; }

    /// <summary>The request ends the session (sign-out): it runs on a session of its own.</summary>
    public bool EndsSession { get; init; }

    /// <summary>The request ends the user's other sessions ("sign out everywhere else"): the role signs in anew afterwards.</summary>
    public bool EndsOtherSessions { get; init; }

    /// <summary>For answers that hide instead of refusing (200 with nothing in it): reads the body as NotFound.</summary>
    public Func<string, bool>? ShowsNothing { get; init; }
}

/// <summary>The policy of every portal action and API endpoint. A route of the app without a rule here fails the matrix test.</summary>
public static class RouteMatrix
{
    private static readonly MatrixRole[] Everyone = [Admin, Support, Reseller, Customer, MailboxOwner];
    private static readonly MatrixRole[] Panel = [Admin, Support, Reseller, Customer];
    private static readonly MatrixRole[] Staff = [Admin, Support];
    private static readonly MatrixRole[] Tenants = [Admin, Reseller];
    private static readonly MatrixRole[] DomainOwners = [Admin, Reseller, Customer];
    private const string Pw = MatrixWorld.Password;
    private const string MailboxCsvHeader = "address,name,quotaMb,password,passwordHash,imap,pop3,forwardTo";

    /// <summary>
    /// Anonymous: the sign-in page (portal) or 401 (API). A role not listed: 404, as for anything outside one's scope.
    /// Listed roles: staff reach every tenant; a reseller its own customers (the sibling too); a customer only itself.
    /// </summary>
    public static Func<MatrixRole, Ownership, Outcome> Policy(bool api, params MatrixRole[] allowed) => (role, o) =>
        role == Anonymous ? (api ? Outcome.Unauthorized : Outcome.LoginPage)
        : !allowed.Contains(role) ? Outcome.NotFound
        : role is Admin or Support ? Outcome.Allowed
        : role == Reseller ? (o == Ownership.OtherReseller ? Outcome.NotFound : Outcome.Allowed)
        : o == Ownership.Own ? Outcome.Allowed : Outcome.NotFound;

    /// <summary>Public pages: the same answer whoever asks.</summary>
    private static Func<MatrixRole, Ownership, Outcome> Public(Outcome outcome) => (_, _) => outcome;

    private static RouteRule Page(string method, string pattern, MatrixRole[] allowed, Func<MatrixContext, Task<MatrixRequest>> build, bool tenant = false) =>
        new(method, pattern, false, tenant, Policy(false, allowed), build);

    private static RouteRule Endpoint(string method, string pattern, MatrixRole[] allowed, Func<MatrixContext, Task<MatrixRequest>> build, bool tenant = false) =>
        new(method, pattern, true, tenant, Policy(true, allowed), build);

    private static Task<MatrixRequest> Get(string path) => Task.FromResult(new MatrixRequest(path));
    private static Task<MatrixRequest> Post(string path, Dictionary<string, string>? form = null) => Task.FromResult(new MatrixRequest(path, form ?? []));
    private static Task<MatrixRequest> Json(string path, object? body = null) => Task.FromResult(new MatrixRequest(path, Json: body ?? new { }));

    private static Dictionary<string, string> EnglishUtc() => new() { ["Language"] = "en", ["TimeZone"] = "UTC" };

    private static Dictionary<string, string> PlanOf(MatrixTenant t) => new()
    {
        ["Name"] = t.CustomerName,
        ["Limits.MaxDomains"] = MatrixTenant.PlanDomains.ToString(),
        ["Limits.MaxMailboxes"] = MatrixTenant.PlanMailboxes.ToString(),
        ["Limits.DiskQuotaMb"] = MatrixTenant.PlanDiskMb.ToString(),
    };

    private static Dictionary<string, string> PoolOf(MatrixTenant t) => new()
    {
        ["Name"] = t.ResellerName,
        ["OversellPercent"] = "100",
        ["Limits.MaxCustomers"] = MatrixTenant.ResellerCustomers.ToString(),
        ["Limits.MaxDomains"] = MatrixTenant.ResellerDomains.ToString(),
        ["Limits.MaxMailboxes"] = MatrixTenant.ResellerMailboxes.ToString(),
        ["Limits.DiskQuotaMb"] = MatrixTenant.ResellerDiskMb.ToString(),
    };

    public static IReadOnlyList<RouteRule> Rules { get; } = Build();

    private static List<RouteRule> Build()
    {
        var keyRevoke = new Func<MatrixRole, Ownership, Outcome>((role, o) => role switch
        {
            Anonymous => Outcome.LoginPage,
            Admin => Outcome.Allowed,
            // Support staff and mailbox owners manage only their own keys; a reseller its customers' keys.
            Reseller => o == Ownership.OtherReseller ? Outcome.NotFound : Outcome.Allowed,
            Customer => o == Ownership.Own ? Outcome.Allowed : Outcome.NotFound,
            _ => Outcome.NotFound,
        });
        var rules = new List<RouteRule>
        {
            // --- public --------------------------------------------------------------------------------
            new("GET", "/error", false, false, Public(Outcome.ServerError), _ => Get("/error")),
            new("GET", "/health", false, false, Public(Outcome.Allowed), _ => Get("/health")),
            new("ANY", "/health/live", false, false, Public(Outcome.Allowed), _ => Get("/health/live")),
            new("ANY", "/health/ready", false, false, Public(Outcome.Allowed), _ => Get("/health/ready")),
            // Loopback reads metrics without a token (MetricsTests covers the token and relayed clients).
            new("ANY", "/metrics", false, false, Public(Outcome.Allowed), _ => Get("/metrics")),
            new("GET", "/openapi/{documentName}.json", false, false, Public(Outcome.Allowed), _ => Get("/openapi/v1.json")),
            new("GET", "/api/docs", false, false, Public(Outcome.Allowed), _ => Get("/api/docs")),
            new("GET", "/account/login", false, false, Public(Outcome.Allowed), _ => Get("/account/login")),
            new("POST", "/account/login", false, false, Public(Outcome.Allowed),
                _ => Post("/account/login", new() { ["Email"] = "nobody@matrix.example", ["Password"] = "wrong-password-1" })),
            // Without a pending two-factor sign-in, both steps go back to the sign-in page.
            new("GET", "/account/two-factor-code", false, false, Public(Outcome.LoginPage), _ => Get("/account/two-factor-code")),
            new("POST", "/account/two-factor-code", false, false, Public(Outcome.LoginPage), _ => Post("/account/two-factor-code", new() { ["Code"] = "123456" })),
            new("POST", "/account/logout", false, false, Public(Outcome.LoginPage), _ => Post("/account/logout")) { EndsSession = true },
            // "Forgot password": anonymous by design; the same answer for an address with or without a login.
            new("GET", "/account/forgot-password", false, false, Public(Outcome.Allowed), _ => Get("/account/forgot-password")),
            new("POST", "/account/forgot-password", false, false, Public(Outcome.Allowed), _ => Post("/account/forgot-password", new() { ["Email"] = "nobody@matrix.example" })),
            // A link that is nobody's: the page says so (200), and the form refuses it.
            new("GET", "/account/reset-password", false, false, Public(Outcome.Allowed), _ => Get("/account/reset-password?token=not-a-link")),
            new("POST", "/account/reset-password", false, false, Public(Outcome.Allowed), _ => Post("/account/reset-password", new() { ["Token"] = "not-a-link", ["Password"] = Pw })),
            new("GET", "/mail/config-v1.1.xml", false, false, Public(Outcome.Allowed), c => Get($"/mail/config-v1.1.xml?emailaddress={c.T.MailboxAddress}")),
            // ACME HTTP-01 answers: anonymous by design (the CA asks), and only a token on offer answers at all.
            new("GET", "/.well-known/acme-challenge/{token}", false, false, Public(Outcome.NotFound), _ => Get("/.well-known/acme-challenge/not-on-offer")),
            // Answers only on the Host mta-sts.<hosted domain>; the matrix asks on localhost.
            new("GET", "/.well-known/mta-sts.txt", false, false, Public(Outcome.NotFound), _ => Get("/.well-known/mta-sts.txt")),
            new("GET", "/.well-known/autoconfig/mail/config-v1.1.xml", false, false, Public(Outcome.Allowed), c => Get($"/.well-known/autoconfig/mail/config-v1.1.xml?emailaddress={c.T.MailboxAddress}")),
            new("POST", "/autodiscover/autodiscover.xml", false, false, Public(Outcome.Allowed), c => Task.FromResult(new MatrixRequest("/autodiscover/autodiscover.xml",
                Xml: $"""<?xml version="1.0" encoding="utf-8"?><Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006"><Request><EMailAddress>{c.T.MailboxAddress}</EMailAddress><AcceptableResponseSchema>http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a</AcceptableResponseSchema></Request></Autodiscover>"""))),

            // --- every signed-in user ------------------------------------------------------------------
            Page("GET", "/", Everyone, _ => Get("/")),
            Page("GET", "/search", Panel, c => Get($"/search?q={MatrixTenant.Mailbox}")),
            Page("GET", "/audit", Panel, _ => Get("/audit")),
            Page("GET", "/audit/export", Panel, _ => Get("/audit/export")),
            Page("GET", "/account/two-factor", Everyone, _ => Get("/account/two-factor")),
            Page("POST", "/account/two-factor/enable", Everyone, _ => Post("/account/two-factor/enable", new() { ["code"] = "000000" })),
            Page("POST", "/account/two-factor/disable", Everyone, _ => Post("/account/two-factor/disable", new() { ["code"] = "000000" })),
            Page("POST", "/account/two-factor/recovery-codes", Everyone, _ => Post("/account/two-factor/recovery-codes")),
            Page("GET", "/account/security", Everyone, _ => Get("/account/security")),
            // Posted without the current password: refused by validation, so the matrix's users keep theirs.
            Page("POST", "/account/security/password", Panel, _ => Post("/account/security/password", new() { ["Password"] = Pw })),
            // Posted without the current password: refused by validation, so the recovery address stays unset.
            Page("POST", "/account/security/recovery-email", Everyone, _ => Post("/account/security/recovery-email", new() { ["RecoveryEmail"] = "elsewhere@matrix.example" })),
            // English and UTC, what every matrix user has anyway: the pages other rules read stay as they were.
            Page("POST", "/account/security/preferences", Everyone, _ => Post("/account/security/preferences", EnglishUtc())),
            Page("POST", "/account/security/reseller-defaults", [Reseller], _ => Post("/account/security/reseller-defaults", EnglishUtc())),
            // A session id that is nobody's: 404 for everyone (a user may end only its own sessions).
            new("POST", "/account/security/sessions/{id}/end", false, false, (r, _) => r == Anonymous ? Outcome.LoginPage : Outcome.NotFound,
                _ => Post("/account/security/sessions/no-such-session/end")),
            // Ends the other sessions of the role's user: run on a session of its own; the role then signs in again.
            new("POST", "/account/security/sessions/end-others", false, false, Policy(false, Everyone), _ => Post("/account/security/sessions/end-others")) { EndsSession = true, EndsOtherSessions = true },
            Page("GET", "/apikeys", Panel, _ => Get("/apikeys")),
            Page("POST", "/apikeys", Panel, c => Post("/apikeys", new() { ["Name"] = c.World.Unique("portal key ") })),
            new("POST", "/apikeys/{id:guid}/revoke", false, true, keyRevoke, async c => new MatrixRequest($"/apikeys/{await c.KeyIdAsync()}/revoke", [])) { ChangesTarget = true },

            // --- the mailbox owner's own pages -----------------------------------------------------------
            Page("GET", "/my", [MailboxOwner], _ => Get("/my")),
            Page("GET", "/my/settings", [MailboxOwner], _ => Get("/my/settings")),
            Page("POST", "/my/settings", [MailboxOwner], _ => Post("/my/settings", new() { ["ForwardTo"] = "", ["KeepCopy"] = "true", ["Pop3RetentionDays"] = "0" })),
            Page("GET", "/my/filters", [MailboxOwner], _ => Get("/my/filters")),
            Page("POST", "/my/filters", [MailboxOwner], _ => Post("/my/filters", new() { ["VacationEnabled"] = "false", ["VacationDays"] = "7" })),
            Page("POST", "/my/filters/script", [MailboxOwner], _ => Post("/my/filters/script", new() { ["script"] = "keep;", ["check"] = "1" })),
            Page("GET", "/my/password", [MailboxOwner], _ => Get("/my/password")),
            Page("POST", "/my/password", [MailboxOwner], _ => Post("/my/password", new() { ["Password"] = Pw })),
            Page("GET", "/my/setup", [MailboxOwner], _ => Get("/my/setup")),
            Page("GET", "/my/largest", [MailboxOwner], _ => Get("/my/largest")),
            Page("GET", "/my/undelivered", [MailboxOwner], _ => Get("/my/undelivered")),
            Page("POST", "/my/folders/retention", [MailboxOwner], _ => Post("/my/folders/retention", new() { ["Folder"] = "Junk", ["RetentionDays"] = "30" })),
            // The POP3 advice's one-click fix (0 here: the seeded mailbox keeps its setting).
            Page("POST", "/my/pop3-retention", [MailboxOwner], _ => Post("/my/pop3-retention", new() { ["days"] = "0" })),

            // --- webmail: only the signed-in mailbox's own mail, reached over IMAP with its own credentials, so no
            // request names another tenant's object. A portal session without a webmail session is sent to the
            // webmail sign-in (counted as allowed); other roles get 404. The sign-in is posted empty (a validation
            // error), so the matrix adds no failed logins to the per-IP throttle.
            new("GET", "/webmail/login", false, false, Public(Outcome.Allowed), _ => Get("/webmail/login")),
            new("POST", "/webmail/login", false, false, Public(Outcome.Allowed), _ => Post("/webmail/login", new() { ["Email"] = "", ["Password"] = "" })),
            new("POST", "/webmail/logout", false, false, Policy(false, [MailboxOwner]), _ => Post("/webmail/logout")) { EndsSession = true },
            Page("GET", "/webmail", [MailboxOwner], _ => Get("/webmail")),
            Page("GET", "/webmail/list", [MailboxOwner], _ => Get("/webmail/list?folder=INBOX")),
            Page("GET", "/webmail/folders", [MailboxOwner], _ => Get("/webmail/folders")),
            Page("GET", "/webmail/events", [MailboxOwner], _ => Get("/webmail/events?folder=INBOX")),
            Page("GET", "/webmail/compose", [MailboxOwner], _ => Get("/webmail/compose")),
            Page("GET", "/webmail/message", [MailboxOwner], _ => Get("/webmail/message?folder=INBOX&uid=1")),
            Page("GET", "/webmail/message/body", [MailboxOwner], _ => Get("/webmail/message/body?folder=INBOX&uid=1")),
            Page("GET", "/webmail/message/attachment", [MailboxOwner], _ => Get("/webmail/message/attachment?folder=INBOX&uid=1&part=1")),
            Page("GET", "/webmail/message/source", [MailboxOwner], _ => Get("/webmail/message/source?folder=INBOX&uid=1")),
            Page("POST", "/webmail/compose", [MailboxOwner], _ => Post("/webmail/compose", new() { ["To"] = "", ["Subject"] = "" })),
            Page("POST", "/webmail/messages", [MailboxOwner], _ => Post("/webmail/messages", new() { ["folder"] = "INBOX", ["action"] = "read" })),
            Page("POST", "/webmail/trash/empty", [MailboxOwner], _ => Post("/webmail/trash/empty")),
            Page("POST", "/webmail/folders/create", [MailboxOwner], _ => Post("/webmail/folders/create", new() { ["Name"] = "Matrix" })),
            Page("POST", "/webmail/folders/rename", [MailboxOwner], _ => Post("/webmail/folders/rename", new() { ["Path"] = "Matrix", ["Name"] = "Matrix2" })),
            Page("POST", "/webmail/folders/delete", [MailboxOwner], _ => Post("/webmail/folders/delete", new() { ["Path"] = "Matrix2" })),

            // --- admins: resellers, staff, the mail queue --------------------------------------------------
            Page("GET", "/resellers", [Admin], _ => Get("/resellers")),
            Page("GET", "/resellers/new", [Admin], _ => Get("/resellers/new")),
            Page("POST", "/resellers/new", [Admin], c => Post("/resellers/new", new()
            {
                ["Name"] = c.World.Unique("Reseller "), ["Email"] = c.World.Unique("r") + "@matrix.example", ["Password"] = Pw,
                ["Limits.MaxCustomers"] = "1", ["Limits.MaxDomains"] = "1", ["Limits.MaxMailboxes"] = "1", ["Limits.DiskQuotaMb"] = "10",
            })),
            Page("GET", "/resellers/{id:guid}", [Admin], c => Get($"/resellers/{c.T.ResellerId}"), tenant: true),
            Page("POST", "/resellers/{id:guid}", [Admin], c => Post($"/resellers/{c.T.ResellerId}", PoolOf(c.T)), tenant: true),
            Page("POST", "/resellers/{id:guid}/defaults", [Admin], c => Post($"/resellers/{c.T.ResellerId}/defaults", EnglishUtc()), tenant: true),
            Page("POST", "/resellers/{id:guid}/status", [Admin], c => Post($"/resellers/{c.T.ResellerId}/status", new() { ["enabled"] = "true" }), tenant: true),
            Page("GET", "/resellers/{id:guid}/delete", [Admin], c => Get($"/resellers/{c.T.ResellerId}/delete"), tenant: true),
            Page("POST", "/resellers/{id:guid}/delete", [Admin], async c => new MatrixRequest($"/resellers/{await c.ResellerIdAsync()}/delete", []), tenant: true) with { ChangesTarget = true },
            Page("POST", "/resellers/{id:guid}/restore", [Admin], async c => new MatrixRequest($"/resellers/{await c.DeletedResellerIdAsync()}/restore", []), tenant: true) with { ChangesTarget = true },
            Page("GET", "/staff", [Admin], _ => Get("/staff")),
            Page("GET", "/staff/new", [Admin], _ => Get("/staff/new")),
            Page("POST", "/staff/new", [Admin], c => Post("/staff/new", new() { ["Name"] = "Staff", ["Email"] = c.World.Unique("s") + "@matrix.example", ["Password"] = Pw, ["Role"] = "support" })),
            Page("GET", "/staff/{id}/delete", [Admin], async c => new MatrixRequest($"/staff/{await c.World.SeededStaffAsync()}/delete")),
            Page("POST", "/staff/{id}/delete", [Admin], async c => new MatrixRequest($"/staff/{(c.Fresh ? await c.World.FreshStaffAsync() : await c.World.SeededStaffAsync())}/delete", [])) with { ChangesTarget = true },
            Page("POST", "/staff/{id}/restore", [Admin], async c => new MatrixRequest($"/staff/{(c.Fresh ? await c.World.FreshStaffAsync(deleted: true) : await c.World.SeededStaffAsync(deleted: true))}/restore", [])) with { ChangesTarget = true },
            Page("GET", "/queue", [Admin], _ => Get("/queue?q=matrix&page=2")),
            Page("GET", "/system", [Admin], _ => Get("/system")),
            // Mail tracking: this node runs no mail engine, so the page says so (200) to the roles that may use it.
            Page("GET", "/deliveries", Panel, _ => Get("/deliveries?address=matrix@example.com")),
            Page("GET", "/deliveries/routing", Panel, c => Get($"/deliveries/routing?address=info@{c.T.Domain}")),
            // A portal-only node has no mail queue: even an admin gets 404 for a message id there.
            new("POST", "/queue/{id}/retry", false, false, (r, _) => r == Anonymous ? Outcome.LoginPage : Outcome.NotFound, _ => Post("/queue/no-such-message/retry")),
            new("POST", "/queue/{id}/delete", false, false, (r, _) => r == Anonymous ? Outcome.LoginPage : Outcome.NotFound, _ => Post("/queue/no-such-message/delete")),
            new("POST", "/queue/holds/{address}/release", false, false, (r, _) => r == Anonymous ? Outcome.LoginPage : Outcome.NotFound,
                _ => Post("/queue/holds/nobody@matrix.example/release")),

            // --- customers (admins, resellers) ---------------------------------------------------------------
            Page("GET", "/customers", Tenants, _ => Get("/customers")),
            Page("GET", "/customers/new", Tenants, _ => Get("/customers/new")),
            Page("POST", "/customers/new", Tenants, c => Post("/customers/new", new()
            {
                ["Name"] = c.World.Unique("Customer "), ["Email"] = c.World.Unique("c") + "@matrix.example", ["Password"] = Pw,
                ["Limits.MaxDomains"] = "1", ["Limits.MaxMailboxes"] = "1", ["Limits.DiskQuotaMb"] = "10",
            })),
            Page("GET", "/customers/{id:guid}", Tenants, c => Get($"/customers/{c.T.CustomerId}"), tenant: true),
            Page("POST", "/customers/{id:guid}", Tenants, c => Post($"/customers/{c.T.CustomerId}", PlanOf(c.T)), tenant: true),
            Page("POST", "/customers/{id:guid}/status", Tenants, c => Post($"/customers/{c.T.CustomerId}/status", new() { ["enabled"] = "true" }), tenant: true),
            Page("GET", "/customers/{id:guid}/delete", Tenants, c => Get($"/customers/{c.T.CustomerId}/delete"), tenant: true),
            Page("POST", "/customers/{id:guid}/delete", Tenants, async c => new MatrixRequest($"/customers/{await c.CustomerIdAsync()}/delete", []), tenant: true) with { ChangesTarget = true },
            Page("POST", "/customers/{id:guid}/restore", Tenants, async c => new MatrixRequest($"/customers/{await c.DeletedCustomerIdAsync()}/restore", []), tenant: true) with { ChangesTarget = true },

            // --- domains ---------------------------------------------------------------------------------------
            Page("GET", "/domains", Panel, _ => Get("/domains")),
            Page("GET", "/domains/new", DomainOwners, _ => Get("/domains/new")),
            Page("POST", "/domains/new", DomainOwners, c => Post("/domains/new", new() { ["Name"] = $"{c.World.Unique("n")}.{c.T.Tag}.example", ["CustomerId"] = c.T.CustomerId })),
            Page("GET", "/domains/{name}", Panel, c => Get($"/domains/{c.T.Domain}"), tenant: true),
            Page("GET", "/domains/{name}/delete", DomainOwners, c => Get($"/domains/{c.T.Domain}/delete"), tenant: true),
            Page("POST", "/domains/{name}/verify", Panel, c => Post($"/domains/{c.T.Domain}/verify"), tenant: true),
            Page("POST", "/domains/{name}/verify-by-hand", [Admin], c => Post($"/domains/{c.T.Domain}/verify-by-hand"), tenant: true),
            // Refused in scope (no ACME CA here): back to the domain page with the reason, which a stranger never reaches.
            Page("POST", "/domains/{name}/certificate", DomainOwners, c => Post($"/domains/{c.T.Domain}/certificate"), tenant: true),
            // The domain's own quota cap (the plan's disk: always valid, so only scope decides).
            Page("POST", "/domains/{name}/quota-cap", DomainOwners, c => Post($"/domains/{c.T.Domain}/quota-cap", new() { ["capMb"] = MatrixTenant.PlanDiskMb.ToString() }), tenant: true),
            Page("POST", "/domains/{name}/certificate/withdraw", DomainOwners, c => Post($"/domains/{c.T.Domain}/certificate/withdraw"), tenant: true),
            Page("POST", "/domains/{name}/restore", DomainOwners, async c => new MatrixRequest($"/domains/{(c.Fresh ? await c.World.FreshDeletedDomainAsync(c.T) : c.T.Domain)}/restore", []), tenant: true) with { ChangesTarget = true },
            Page("POST", "/domains/{name}/suspend", Tenants, async c => new MatrixRequest($"/domains/{await c.DomainAsync()}/suspend", []), tenant: true) with { ChangesTarget = true },
            Page("POST", "/domains/{name}/resume", Tenants, async c => new MatrixRequest($"/domains/{await c.DomainAsync()}/resume", []), tenant: true) with { ChangesTarget = true },
            Page("POST", "/domains/{name}/delete", DomainOwners, async c => new MatrixRequest($"/domains/{await c.DomainAsync()}/delete", []), tenant: true) with { ChangesTarget = true },
            Page("GET", "/provisioning/status", Panel, c => Get($"/provisioning/status?key=domain:{c.T.Domain}"), tenant: true) with { ShowsNothing = body => body.Contains("\"items\":[]") },
            Page("POST", "/provisioning/retry", Panel, c => Post("/provisioning/retry", new() { ["key"] = $"alias:{c.T.Domain}/{MatrixTenant.Alias}" }), tenant: true),

            // --- mailboxes -------------------------------------------------------------------------------------
            Page("GET", "/domains/{domain}/mailboxes/new", Panel, c => Get($"/domains/{c.T.Domain}/mailboxes/new"), tenant: true),
            Page("POST", "/domains/{domain}/mailboxes/new", Panel, c => Post($"/domains/{c.T.Domain}/mailboxes/new",
                new() { ["LocalPart"] = c.World.Unique("new"), ["Password"] = Pw, ["QuotaMb"] = "1" }), tenant: true),
            Page("GET", "/domains/{domain}/mailboxes/{localPart}", Panel, c => Get($"/domains/{c.T.Domain}/mailboxes/{MatrixTenant.Mailbox}"), tenant: true),
            Page("POST", "/domains/{domain}/mailboxes/{localPart}", Panel, c => Post($"/domains/{c.T.Domain}/mailboxes/{MatrixTenant.Mailbox}", new()
            {
                ["DisplayName"] = "Info", ["QuotaMb"] = "100", ["Enabled"] = "true", ["ImapEnabled"] = "true", ["Pop3Enabled"] = "true", ["Pop3RetentionDays"] = "0",
            }), tenant: true),
            Page("POST", "/domains/{domain}/mailboxes/{localPart}/vacation/off", Panel, c => Post($"/domains/{c.T.Domain}/mailboxes/{MatrixTenant.Mailbox}/vacation/off"), tenant: true),
            Page("GET", "/domains/{domain}/mailboxes/{localPart}/largest", Panel, c => Get($"/domains/{c.T.Domain}/mailboxes/{MatrixTenant.Mailbox}/largest"), tenant: true),
            Page("POST", "/domains/{domain}/mailboxes/{localPart}/pop3-retention", Panel, c => Post($"/domains/{c.T.Domain}/mailboxes/{MatrixTenant.Mailbox}/pop3-retention",
                new() { ["days"] = "0" }), tenant: true),
            // "POP3 programs that never delete": every panel role sees its own (an empty report here), a mailbox owner nothing.
            Page("GET", "/reports/pop3-keepers", Panel, _ => Get("/reports/pop3-keepers")),
            Page("POST", "/domains/{domain}/mailboxes/{localPart}/folders/retention", Panel, c => Post($"/domains/{c.T.Domain}/mailboxes/{MatrixTenant.Mailbox}/folders/retention",
                new() { ["Folder"] = "Junk", ["RetentionDays"] = "30" }), tenant: true),
            Page("GET", "/domains/{domain}/mailboxes/{localPart}/password", Panel, c => Get($"/domains/{c.T.Domain}/mailboxes/{MatrixTenant.Mailbox}/password"), tenant: true),
            // A new password ends the owner's sessions (issue 16 item 4): where allowed it goes to a fresh mailbox, not the owner's.
            Page("POST", "/domains/{domain}/mailboxes/{localPart}/password", Panel, async c => await Post($"/domains/{c.T.Domain}/mailboxes/{await c.MailboxAsync()}/password", new() { ["Password"] = Pw }), tenant: true) with { ChangesTarget = true },
            Page("GET", "/domains/{domain}/mailboxes/{localPart}/delete", Panel, c => Get($"/domains/{c.T.Domain}/mailboxes/{MatrixTenant.Mailbox}/delete"), tenant: true),
            Page("POST", "/domains/{domain}/mailboxes/{localPart}/delete", Panel, async c => new MatrixRequest($"/domains/{c.T.Domain}/mailboxes/{await c.MailboxAsync()}/delete", []), tenant: true) with { ChangesTarget = true },
            Page("GET", "/deleted-mailboxes", Staff, _ => Get("/deleted-mailboxes")),
            Page("POST", "/deleted-mailboxes/restore", Staff, async c => new MatrixRequest("/deleted-mailboxes/restore", new() { ["domain"] = c.T.Domain, ["localPart"] = await c.DeletedMailboxAsync() }), tenant: true) with { ChangesTarget = true },

            // --- aliases ---------------------------------------------------------------------------------------
            Page("GET", "/domains/{domain}/aliases", Panel, c => Get($"/domains/{c.T.Domain}/aliases"), tenant: true),
            Page("GET", "/domains/{domain}/aliases/new", Panel, c => Get($"/domains/{c.T.Domain}/aliases/new"), tenant: true),
            Page("POST", "/domains/{domain}/aliases/new", Panel, c => Post($"/domains/{c.T.Domain}/aliases/new",
                new() { ["LocalPart"] = c.World.Unique("al"), ["Destinations"] = c.T.MailboxAddress }), tenant: true),
            Page("GET", "/domains/{domain}/aliases/{localPart}", Panel, c => Get($"/domains/{c.T.Domain}/aliases/{MatrixTenant.Alias}"), tenant: true),
            Page("POST", "/domains/{domain}/aliases/{localPart}", Panel, c => Post($"/domains/{c.T.Domain}/aliases/{MatrixTenant.Alias}", new() { ["Destinations"] = c.T.MailboxAddress }), tenant: true),
            Page("GET", "/domains/{domain}/aliases/{localPart}/delete", Panel, c => Get($"/domains/{c.T.Domain}/aliases/{MatrixTenant.Alias}/delete"), tenant: true),
            Page("POST", "/domains/{domain}/aliases/{localPart}/delete", Panel, async c => new MatrixRequest($"/domains/{c.T.Domain}/aliases/{await c.AliasAsync()}/delete", []), tenant: true) with { ChangesTarget = true },

            // --- bulk CSV ---------------------------------------------------------------------------------------
            Page("GET", "/domains/{domain}/import", Panel, c => Get($"/domains/{c.T.Domain}/import"), tenant: true),
            Page("POST", "/domains/{domain}/import", Panel, c => Post($"/domains/{c.T.Domain}/import"), tenant: true),
            Page("POST", "/domains/{domain}/import/apply", Panel, c => Post($"/domains/{c.T.Domain}/import/apply", new() { ["csv"] = MailboxCsvHeader }), tenant: true),
            Page("GET", "/domains/{domain}/export", Panel, c => Get($"/domains/{c.T.Domain}/export?type=aliases"), tenant: true),
            Endpoint("POST", "/api/v1/domains/{domain}/import", Panel, c => Task.FromResult(new MatrixRequest($"/api/v1/domains/{c.T.Domain}/import?dryRun=true",
                Csv: $"{MailboxCsvHeader}\n{MatrixTenant.Mailbox}@{c.T.Domain},,,,,,,\n")), tenant: true),
            Endpoint("GET", "/api/v1/domains/{domain}/export", Panel, c => Get($"/api/v1/domains/{c.T.Domain}/export"), tenant: true),

            // --- mailbox export and import ----------------------------------------------------------------------
            Page("GET", "/my/export", [MailboxOwner], _ => Get("/my/export?format=mbox")),
            Page("GET", "/domains/{domain}/mailboxes/{localPart}/export", Panel, c => Get($"/domains/{c.T.Domain}/mailboxes/{MatrixTenant.Mailbox}/export?format=maildir"), tenant: true),
            // The portal's upload without a file: refused with the reason (400) in scope, 404 outside it.
            Page("POST", "/my/import", [MailboxOwner], _ => Post("/my/import")) with
            {
                Expect = (r, o) => Policy(false, [MailboxOwner])(r, o) is Outcome.Allowed ? Outcome.Refused : Policy(false, [MailboxOwner])(r, o),
            },
            Page("POST", "/domains/{domain}/mailboxes/{localPart}/import", Panel, c => Post($"/domains/{c.T.Domain}/mailboxes/{MatrixTenant.Mailbox}/import"), tenant: true) with
            {
                Expect = (r, o) => Policy(false, Panel)(r, o) is Outcome.Allowed ? Outcome.Refused : Policy(false, Panel)(r, o),
            },
            // A download's progress exists only for the user who started it: a token nobody started is 404 for everyone signed in.
            Page("GET", "/export-progress/{token}", Everyone, _ => Get("/export-progress/0123456789abcdef0123456789abcdef")) with
            {
                Expect = (r, o) => Policy(false, Everyone)(r, o) is Outcome.Allowed ? Outcome.NotFound : Policy(false, Everyone)(r, o),
            },
            Endpoint("GET", "/api/v1/domains/{domain}/mailboxes/{localPart}/export", Panel, c => Get($"/api/v1/domains/{c.T.Domain}/mailboxes/{MatrixTenant.Mailbox}/export?format=mbox"), tenant: true) with
            {
                Expect = (r, o) => r == MailboxOwner && o == Ownership.Own ? Outcome.Allowed : Policy(true, Panel)(r, o),
            },
            Endpoint("POST", "/api/v1/domains/{domain}/mailboxes/{localPart}/import", Panel, c => Task.FromResult(new MatrixRequest(
                $"/api/v1/domains/{c.T.Domain}/mailboxes/{MatrixTenant.Mailbox}/import?format=mbox", Csv: "", CsvType: "application/mbox")), tenant: true) with
            {
                // This world runs no mail engine: an import in scope is refused (409, not in the engine yet), never a 404 leak or a 500.
                Expect = (r, o) => (r == MailboxOwner && o == Ownership.Own ? Outcome.Allowed : Policy(true, Panel)(r, o)) switch
                {
                    Outcome.Allowed => Outcome.Refused,
                    var other => other,
                },
            },

            // --- IMAP migrations --------------------------------------------------------------------------------------
            // This world runs no mail engine: a migration into a mailbox in scope is refused (409, not in the engine yet).
            Endpoint("POST", "/api/v1/migrations", Panel, c => Json("/api/v1/migrations", new
            {
                address = c.T.MailboxAddress, host = "imap.example.net", port = 993, security = "Tls", username = "old", password = "old-password",
            }), tenant: true) with
            {
                Expect = (r, o) => (r == MailboxOwner && o == Ownership.Own ? Outcome.Allowed : Policy(true, Panel)(r, o)) switch
                {
                    Outcome.Allowed => Outcome.Refused,
                    var other => other,
                },
            },
            // A file of migrations: 200 for every key (each line is checked against the caller's scope and refused
            // as not found outside it); here into a tenant's mailbox, refused by every caller since no engine runs.
            new("POST", "/api/v1/migrations/import", true, false, (r, _) => r == Anonymous ? Outcome.Unauthorized : Outcome.Allowed,
                c => Task.FromResult(new MatrixRequest("/api/v1/migrations/import?dryRun=true",
                    Csv: $"address,host,port,security,username,password\n{c.T.MailboxAddress},imap.example.net,993,Tls,old,old-password\n"))),
            // No job exists here: 404 for everyone with a key, whoever it is.
            new("GET", "/api/v1/migrations/{id}", true, false, (r, _) => r == Anonymous ? Outcome.Unauthorized : Outcome.NotFound,
                _ => Get($"/api/v1/migrations/{Guid.NewGuid()}")),
            new("POST", "/api/v1/migrations/{id}/pause", true, false, (r, _) => r == Anonymous ? Outcome.Unauthorized : Outcome.NotFound,
                _ => Task.FromResult(new MatrixRequest($"/api/v1/migrations/{Guid.NewGuid()}/pause", Json: new { }))),
            new("POST", "/api/v1/migrations/{id}/resume", true, false, (r, _) => r == Anonymous ? Outcome.Unauthorized : Outcome.NotFound,
                _ => Task.FromResult(new MatrixRequest($"/api/v1/migrations/{Guid.NewGuid()}/resume", Json: new { }))),
            Page("GET", "/migrations", Panel, _ => Get("/migrations")),
            // Many migrations from a CSV file: the form, the dry run (no file: the form again with its message), the confirming post
            // (a file that is not one this server encrypted: refused, nothing queued) and the batch page (no job: empty).
            Page("GET", "/migrations/import", Panel, _ => Get("/migrations/import")),
            Page("POST", "/migrations/import", Panel, _ => Post("/migrations/import")),
            Page("POST", "/migrations/import/apply", Panel, _ => Post("/migrations/import/apply", new() { ["file"] = "not-a-protected-file" })),
            Page("GET", "/migrations/batch", Panel, _ => Get($"/migrations/batch?ids={Guid.NewGuid()}")),
            // No job exists here: 404 for everyone signed in to the panel.
            Page("POST", "/migrations/{id}/pause", Panel, _ => Post($"/migrations/{Guid.NewGuid()}/pause")) with
            {
                Expect = (r, o) => Policy(false, Panel)(r, o) is Outcome.Allowed ? Outcome.NotFound : Policy(false, Panel)(r, o),
            },
            Page("POST", "/migrations/{id}/resume", Panel, _ => Post($"/migrations/{Guid.NewGuid()}/resume")) with
            {
                Expect = (r, o) => Policy(false, Panel)(r, o) is Outcome.Allowed ? Outcome.NotFound : Policy(false, Panel)(r, o),
            },
            Page("POST", "/migrations", Panel, c => Post("/migrations", new()
            {
                ["Address"] = c.T.MailboxAddress, ["Host"] = "imap.example.net", ["Port"] = "993", ["Security"] = "Tls", ["Username"] = "old", ["Password"] = "old-password",
            }), tenant: true) with
            {
                // The form comes back with the "not active yet" message for a mailbox in scope (200), "not found" for others.
                Expect = Policy(false, Panel),
            },
            new("GET", "/migrations/{id}", false, false, (r, _) => r == Anonymous ? Outcome.LoginPage : Outcome.NotFound,
                _ => Get($"/migrations/{Guid.NewGuid()}")),

            // --- REST API ----------------------------------------------------------------------------------------
            Endpoint("GET", "/api/v1/me", Everyone, _ => Get("/api/v1/me")),
            Endpoint("PATCH", "/api/v1/me", Everyone, _ => Json("/api/v1/me", new { language = "en", timeZone = "UTC" })),
            // Without the mail engine on this node the roles that may track mail get 503 (said so); a mailbox owner 404.
            new("GET", "/api/v1/deliveries", true, false, (r, _) => r == Anonymous ? Outcome.Unauthorized : r == MailboxOwner ? Outcome.NotFound : Outcome.ServerError,
                _ => Get("/api/v1/deliveries?address=matrix@example.com")),
            new("GET", "/api/v1/routing", true, false, (r, _) => r == Anonymous ? Outcome.Unauthorized : r == MailboxOwner ? Outcome.NotFound : Outcome.ServerError,
                c => Get($"/api/v1/routing?address=info@{c.T.Domain}")),
            // Staff only; without the mail engine on this node staff get 503 (said so), everyone else 404.
            new("GET", "/api/v1/sending-holds", true, false,
                (r, _) => r == Anonymous ? Outcome.Unauthorized : r is Admin or Support ? Outcome.ServerError : Outcome.NotFound,
                _ => Get("/api/v1/sending-holds")),
            new("POST", "/api/v1/sending-holds/{address}/release", true, false,
                (r, _) => r == Anonymous ? Outcome.Unauthorized : r is Admin or Support ? Outcome.ServerError : Outcome.NotFound,
                _ => Json("/api/v1/sending-holds/nobody@matrix.example/release")),
            Endpoint("GET", "/api/v1/apikeys", Everyone, _ => Get("/api/v1/apikeys")),
            Endpoint("POST", "/api/v1/apikeys", Panel, c => Json("/api/v1/apikeys", new { name = c.World.Unique("api key ") })),
            new("DELETE", "/api/v1/apikeys/{id:guid}", true, true, (r, o) => r == Anonymous ? Outcome.Unauthorized : keyRevoke(r, o),
                async c => new MatrixRequest($"/api/v1/apikeys/{await c.KeyIdAsync()}")) { ChangesTarget = true },
            // Lists answer everybody with what is in its scope (an empty page for those with nothing there).
            Endpoint("GET", "/api/v1/resellers", Everyone, _ => Get("/api/v1/resellers")),
            Endpoint("POST", "/api/v1/resellers", [Admin], c => Json("/api/v1/resellers", new
            {
                name = c.World.Unique("Reseller "), email = c.World.Unique("r") + "@matrix.example", password = Pw,
                limits = new { maxCustomers = 1, maxDomains = 1, maxMailboxes = 1, diskQuotaMb = 10 },
            })),
            Endpoint("GET", "/api/v1/resellers/{id:guid}", [Admin, Support, Reseller], c => Get($"/api/v1/resellers/{c.T.ResellerId}"), tenant: true),
            Endpoint("GET", "/api/v1/resellers/{id:guid}/usage-history", [Admin, Support, Reseller], c => Get($"/api/v1/resellers/{c.T.ResellerId}/usage-history"), tenant: true),
            Endpoint("PATCH", "/api/v1/resellers/{id:guid}", [Admin], c => Json($"/api/v1/resellers/{c.T.ResellerId}", new { name = c.T.ResellerName }), tenant: true),
            Endpoint("DELETE", "/api/v1/resellers/{id:guid}", [Admin], async c => new MatrixRequest($"/api/v1/resellers/{await c.ResellerIdAsync()}"), tenant: true) with { ChangesTarget = true },
            Endpoint("POST", "/api/v1/resellers/{id:guid}/restore", [Admin], async c => new MatrixRequest($"/api/v1/resellers/{await c.DeletedResellerIdAsync()}/restore", Json: new { }), tenant: true) with { ChangesTarget = true },
            Endpoint("GET", "/api/v1/customers", Everyone, _ => Get("/api/v1/customers")),
            Endpoint("POST", "/api/v1/customers", Tenants, c => Json("/api/v1/customers", new
            {
                name = c.World.Unique("Customer "), email = c.World.Unique("c") + "@matrix.example", password = Pw,
                limits = new { maxDomains = 1, maxMailboxes = 1, diskQuotaMb = 10 },
            })),
            Endpoint("GET", "/api/v1/customers/{id:guid}", Panel, c => Get($"/api/v1/customers/{c.T.CustomerId}"), tenant: true),
            Endpoint("GET", "/api/v1/customers/{id:guid}/usage-history", Panel, c => Get($"/api/v1/customers/{c.T.CustomerId}/usage-history?range=year"), tenant: true),
            Endpoint("PATCH", "/api/v1/customers/{id:guid}", Tenants, c => Json($"/api/v1/customers/{c.T.CustomerId}", new { enabled = true }), tenant: true),
            // Logins managed by someone else: admins, support staff (customers' logins), resellers (their customers'); never one's own.
            Page("GET", "/logins/manage", [Admin, Support, Reseller], c => Get($"/logins/manage?email={Uri.EscapeDataString(c.T.CustomerEmail)}"), tenant: true),
            Page("POST", "/logins/reset-password", [Admin, Support, Reseller], async c => new MatrixRequest("/logins/reset-password", new() { ["Email"] = await c.CustomerLoginAsync(), ["Generate"] = "false", ["Password"] = Pw }), tenant: true) with { ChangesTarget = true },
            Page("POST", "/logins/unlock", [Admin, Support, Reseller], async c => new MatrixRequest("/logins/unlock", new() { ["Email"] = await c.CustomerLoginAsync() }), tenant: true) with { ChangesTarget = true },
            Endpoint("POST", "/api/v1/logins/reset-password", [Admin, Support, Reseller], async c => new MatrixRequest("/api/v1/logins/reset-password", Json: new { email = await c.CustomerLoginAsync(), password = Pw }), tenant: true) with { ChangesTarget = true },
            Endpoint("POST", "/api/v1/logins/unlock", [Admin, Support, Reseller], async c => new MatrixRequest("/api/v1/logins/unlock", Json: new { email = await c.CustomerLoginAsync() }), tenant: true) with { ChangesTarget = true },
            Endpoint("DELETE", "/api/v1/customers/{id:guid}", Tenants, async c => new MatrixRequest($"/api/v1/customers/{await c.CustomerIdAsync()}"), tenant: true) with { ChangesTarget = true },
            Endpoint("POST", "/api/v1/customers/{id:guid}/restore", Tenants, async c => new MatrixRequest($"/api/v1/customers/{await c.DeletedCustomerIdAsync()}/restore", Json: new { }), tenant: true) with { ChangesTarget = true },
            Endpoint("GET", "/api/v1/domains", Everyone, _ => Get("/api/v1/domains")),
            Endpoint("POST", "/api/v1/domains", DomainOwners, c => Json("/api/v1/domains", new { name = $"{c.World.Unique("api")}.{c.T.Tag}.example", customerId = c.T.CustomerId })),
            Endpoint("GET", "/api/v1/domains/{domain}", Panel, c => Get($"/api/v1/domains/{c.T.Domain}"), tenant: true),
            Endpoint("DELETE", "/api/v1/domains/{domain}", DomainOwners, async c => new MatrixRequest($"/api/v1/domains/{await c.DomainAsync()}"), tenant: true) with { ChangesTarget = true },
            // A domain deleted on its own: whoever may delete it may restore it (for roles refused, the live domain: 404 either way).
            // Suspension is the provider's: admin and the customer's reseller; a fresh domain, so the seeded one stays in service.
            Endpoint("PATCH", "/api/v1/domains/{domain}", Tenants, async c => new MatrixRequest($"/api/v1/domains/{await c.DomainAsync()}", Json: new { enabled = false }), tenant: true) with { ChangesTarget = true },
            Endpoint("POST", "/api/v1/domains/{domain}/restore", DomainOwners, async c => new MatrixRequest($"/api/v1/domains/{(c.Fresh ? await c.World.FreshDeletedDomainAsync(c.T) : c.T.Domain)}/restore", Json: new { }), tenant: true) with { ChangesTarget = true },
            Endpoint("POST", "/api/v1/domains/{domain}/retry", Panel, c => Json($"/api/v1/domains/{c.T.Domain}/retry"), tenant: true),
            Endpoint("GET", "/api/v1/domains/{domain}/dns", Panel, c => Get($"/api/v1/domains/{c.T.Domain}/dns"), tenant: true),
            Endpoint("GET", "/api/v1/domains/{domain}/quota", Panel, c => Get($"/api/v1/domains/{c.T.Domain}/quota"), tenant: true),
            Endpoint("PUT", "/api/v1/domains/{domain}/quota", DomainOwners, c => Json($"/api/v1/domains/{c.T.Domain}/quota", new { capMb = MatrixTenant.PlanDiskMb }), tenant: true),
            Endpoint("POST", "/api/v1/domains/{domain}/verify", Panel, c => Json($"/api/v1/domains/{c.T.Domain}/verify"), tenant: true),
            Endpoint("POST", "/api/v1/domains/{domain}/verify-by-hand", [Admin], c => Json($"/api/v1/domains/{c.T.Domain}/verify-by-hand"), tenant: true),
            Endpoint("GET", "/api/v1/domains/{domain}/certificate", Panel, c => Get($"/api/v1/domains/{c.T.Domain}/certificate"), tenant: true),
            // This world has no ACME CA set up: a request in scope is refused (409, with the reason), never a 404 leak.
            Endpoint("POST", "/api/v1/domains/{domain}/certificate", DomainOwners, c => Json($"/api/v1/domains/{c.T.Domain}/certificate"), tenant: true) with
            {
                Expect = (r, o) => Policy(true, DomainOwners)(r, o) switch { Outcome.Allowed => Outcome.Refused, var other => other },
            },
            Endpoint("DELETE", "/api/v1/domains/{domain}/certificate", DomainOwners, c => Task.FromResult(new MatrixRequest($"/api/v1/domains/{c.T.Domain}/certificate")), tenant: true),
            // The DKIM keys live in the mail engine: on this portal-only node even an admin gets 404.
            new("POST", "/api/v1/domains/{domain}/dkim/rotate", true, false, (r, _) => r == Anonymous ? Outcome.Unauthorized : Outcome.NotFound,
                c => Json($"/api/v1/domains/{c.T.Domain}/dkim/rotate")),
            Endpoint("GET", "/api/v1/domains/{domain}/mailboxes", Panel, c => Get($"/api/v1/domains/{c.T.Domain}/mailboxes"), tenant: true),
            Endpoint("POST", "/api/v1/domains/{domain}/mailboxes", Panel, c => Json($"/api/v1/domains/{c.T.Domain}/mailboxes",
                new { localPart = c.World.Unique("api"), password = Pw, quotaMb = 1 }), tenant: true),
            // A mailbox owner's key reads its own mailbox (the one named here for the Own tenant), and nothing else.
            Endpoint("GET", "/api/v1/domains/{domain}/mailboxes/{localPart}", Panel, c => Get($"/api/v1/domains/{c.T.Domain}/mailboxes/{MatrixTenant.Mailbox}"), tenant: true) with
            {
                Expect = (r, o) => r == MailboxOwner && o == Ownership.Own ? Outcome.Allowed : Policy(true, Panel)(r, o),
            },
            // Where the space went: the owner's key too, on its own mailbox only.
            Endpoint("GET", "/api/v1/domains/{domain}/mailboxes/{localPart}/folders", Panel, c => Get($"/api/v1/domains/{c.T.Domain}/mailboxes/{MatrixTenant.Mailbox}/folders"), tenant: true) with
            {
                Expect = (r, o) => r == MailboxOwner && o == Ownership.Own ? Outcome.Allowed : Policy(true, Panel)(r, o),
            },
            // The matrix host runs without the mail engine, so no mailbox has folders yet: 404 for everyone signed in.
            // Who may set a folder's retention, with the engine, is in ApiFolderTests.
            Endpoint("PATCH", "/api/v1/domains/{domain}/mailboxes/{localPart}/folders/{**name}", Panel, c => Json($"/api/v1/domains/{c.T.Domain}/mailboxes/{MatrixTenant.Mailbox}/folders/Junk", new { retentionDays = 30 }), tenant: true) with
            {
                Expect = (r, _) => r == Anonymous ? Outcome.Unauthorized : Outcome.NotFound,
            },
            Endpoint("GET", "/api/v1/domains/{domain}/mailboxes/{localPart}/largest-messages", Panel, c => Get($"/api/v1/domains/{c.T.Domain}/mailboxes/{MatrixTenant.Mailbox}/largest-messages"), tenant: true) with
            {
                Expect = (r, o) => r == MailboxOwner && o == Ownership.Own ? Outcome.Allowed : Policy(true, Panel)(r, o),
            },
            // How the mailbox is used: the owner's key too, on its own mailbox only (without the engine: the panel's figures, no logins).
            Endpoint("GET", "/api/v1/domains/{domain}/mailboxes/{localPart}/activity", Panel, c => Get($"/api/v1/domains/{c.T.Domain}/mailboxes/{MatrixTenant.Mailbox}/activity"), tenant: true) with
            {
                Expect = (r, o) => r == MailboxOwner && o == Ownership.Own ? Outcome.Allowed : Policy(true, Panel)(r, o),
            },
            // Disk use over time: the owner's key too, on its own mailbox only.
            Endpoint("GET", "/api/v1/domains/{domain}/mailboxes/{localPart}/usage-history", Panel, c => Get($"/api/v1/domains/{c.T.Domain}/mailboxes/{MatrixTenant.Mailbox}/usage-history"), tenant: true) with
            {
                Expect = (r, o) => r == MailboxOwner && o == Ownership.Own ? Outcome.Allowed : Policy(true, Panel)(r, o),
            },
            Endpoint("GET", "/api/v1/reports/pop3-keepers", Panel, _ => Get("/api/v1/reports/pop3-keepers")),
            Endpoint("PATCH", "/api/v1/domains/{domain}/mailboxes/{localPart}", Panel, c => Json($"/api/v1/domains/{c.T.Domain}/mailboxes/{MatrixTenant.Mailbox}", new { displayName = "Info" }), tenant: true),
            Endpoint("DELETE", "/api/v1/domains/{domain}/mailboxes/{localPart}", Panel, async c => new MatrixRequest($"/api/v1/domains/{c.T.Domain}/mailboxes/{await c.MailboxAsync()}"), tenant: true) with { ChangesTarget = true },
            Endpoint("GET", "/api/v1/domains/{domain}/mailboxes/{localPart}/vacation", Panel, c => Get($"/api/v1/domains/{c.T.Domain}/mailboxes/{MatrixTenant.Mailbox}/vacation"), tenant: true),
            Endpoint("DELETE", "/api/v1/domains/{domain}/mailboxes/{localPart}/vacation", Panel, c => Task.FromResult(new MatrixRequest($"/api/v1/domains/{c.T.Domain}/mailboxes/{MatrixTenant.Mailbox}/vacation")), tenant: true),
            Endpoint("POST", "/api/v1/domains/{domain}/mailboxes/{localPart}/restore", Staff, async c => new MatrixRequest($"/api/v1/domains/{c.T.Domain}/mailboxes/{await c.DeletedMailboxAsync()}/restore", Json: new { }), tenant: true) with { ChangesTarget = true },
            Endpoint("POST", "/api/v1/domains/{domain}/mailboxes/{localPart}/retry", Panel, c => Json($"/api/v1/domains/{c.T.Domain}/mailboxes/{MatrixTenant.Mailbox}/retry"), tenant: true),
            Endpoint("GET", "/api/v1/domains/{domain}/aliases", Panel, c => Get($"/api/v1/domains/{c.T.Domain}/aliases"), tenant: true),
            Endpoint("POST", "/api/v1/domains/{domain}/aliases", Panel, c => Json($"/api/v1/domains/{c.T.Domain}/aliases",
                new { localPart = c.World.Unique("api"), destinations = new[] { c.T.MailboxAddress } }), tenant: true),
            Endpoint("GET", "/api/v1/domains/{domain}/aliases/{localPart}", Panel, c => Get($"/api/v1/domains/{c.T.Domain}/aliases/{MatrixTenant.Alias}"), tenant: true),
            Endpoint("PUT", "/api/v1/domains/{domain}/aliases/{localPart}", Panel, c => Json($"/api/v1/domains/{c.T.Domain}/aliases/{MatrixTenant.Alias}", new { destinations = new[] { c.T.MailboxAddress } }), tenant: true),
            Endpoint("DELETE", "/api/v1/domains/{domain}/aliases/{localPart}", Panel, async c => new MatrixRequest($"/api/v1/domains/{c.T.Domain}/aliases/{await c.AliasAsync()}"), tenant: true) with { ChangesTarget = true },
            Endpoint("POST", "/api/v1/domains/{domain}/aliases/{localPart}/retry", Panel, c => Json($"/api/v1/domains/{c.T.Domain}/aliases/{MatrixTenant.Alias}/retry"), tenant: true),
        };
        return rules;
    }
}
