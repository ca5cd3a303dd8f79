using System.Net;
using System.Text.RegularExpressions;
using static HostingPanel.Web.Tests.Api.Api;

namespace HostingPanel.Web.Tests.Security;

/// <summary>
/// Issue 3 item 9: every portal form, sent bad input, answers with the form again (nothing saved) and a message beside
/// each bad field. A POST route of the app that is neither here nor listed as taking no input fails the test.
/// </summary>
[Collection(SecurityCollection.Name)]
public sealed partial class FormValidationTests(MatrixWorld world)
{
    /// <summary>A form, who sends it, the bad input, and the fields that must each show a message.</summary>
    public sealed record BadForm(string Pattern, MatrixRole Role, Func<MatrixWorld, string> Path, Dictionary<string, string> Fields, string[] Expected);

    private static MatrixTenant A(MatrixWorld w) => w.A;

    public static readonly BadForm[] Forms =
    [
        new("/account/login", MatrixRole.Anonymous, _ => "/account/login", new() { ["Email"] = "", ["Password"] = "" }, ["Email", "Password"]),
        new("/my/filters", MatrixRole.MailboxOwner, _ => "/my/filters", new()
        {
            ["VacationEnabled"] = "true", ["VacationText"] = "", ["VacationStart"] = "2026-12-10", ["VacationEnd"] = "2026-12-01", ["VacationDays"] = "7",
            ["Rules[0].Field"] = "subject", ["Rules[0].Operator"] = "contains", ["Rules[0].Value"] = "x", ["Rules[0].Action"] = "move", ["Rules[0].Target"] = "",
        }, ["VacationText", "VacationEnd", "Rules[0].Target"]),
        new("/my/filters/script", MatrixRole.MailboxOwner, _ => "/my/filters/script", new() { ["script"] = "keep", ["check"] = "1" }, ["script"]),
        new("/webmail/login", MatrixRole.Anonymous, _ => "/webmail/login", new() { ["Email"] = "", ["Password"] = "" }, ["Email", "Password"]),
        new("/account/two-factor/enable", MatrixRole.Customer, _ => "/account/two-factor/enable", new() { ["code"] = "12" }, ["code"]),
        new("/apikeys", MatrixRole.Reseller, _ => "/apikeys", new() { ["Name"] = "", ["UserEmail"] = "not-an-address" }, ["Name", "UserEmail"]),
        new("/my/settings", MatrixRole.MailboxOwner, _ => "/my/settings", new() { ["ForwardTo"] = "not-an-address", ["KeepCopy"] = "true", ["Pop3RetentionDays"] = "-1" }, ["ForwardTo", "Pop3RetentionDays"]),
        new("/my/password", MatrixRole.MailboxOwner, _ => "/my/password", new() { ["Password"] = "short" }, ["Password", "CurrentPassword"]),
        new("/account/forgot-password", MatrixRole.Anonymous, _ => "/account/forgot-password", new() { ["Email"] = "" }, ["Email"]),
        new("/account/security/recovery-email", MatrixRole.Customer, _ => "/account/security/recovery-email", new() { ["RecoveryEmail"] = "not-an-address", ["CurrentPassword"] = "" }, ["RecoveryEmail", "RecoveryCurrentPassword"]),
        new("/logins/reset-password", MatrixRole.Reseller, w => $"/logins/reset-password?email={Uri.EscapeDataString(A(w).CustomerEmail)}", new() { ["Generate"] = "false", ["Password"] = "short" }, ["Password"]),
        new("/account/security/password", MatrixRole.Customer, _ => "/account/security/password", new() { ["Password"] = "short" }, ["CurrentPassword", "Password"]),
        new("/resellers/new", MatrixRole.Admin, _ => "/resellers/new", new()
        {
            ["Name"] = "", ["Email"] = "bad-form-reseller", ["Password"] = "short",
            ["Limits.MaxCustomers"] = "-1", ["Limits.MaxDomains"] = "1", ["Limits.MaxMailboxes"] = "1", ["Limits.DiskQuotaMb"] = "abc",
        }, ["Name", "Email", "Password", "Limits.MaxCustomers", "Limits.DiskQuotaMb"]),
        new("/resellers/{id:guid}", MatrixRole.Admin, w => $"/resellers/{A(w).ResellerId}", new()
        {
            ["Name"] = "", ["Limits.MaxCustomers"] = "-5", ["Limits.MaxDomains"] = "1", ["Limits.MaxMailboxes"] = "1", ["Limits.DiskQuotaMb"] = "1",
        }, ["Name", "Limits.MaxCustomers"]),
        new("/staff/new", MatrixRole.Admin, _ => "/staff/new", new() { ["Name"] = "", ["Email"] = "bad-form-staff", ["Password"] = "short", ["Role"] = "root" }, ["Name", "Email", "Password", "Role"]),
        new("/customers/new", MatrixRole.Reseller, _ => "/customers/new", new()
        {
            ["Name"] = "", ["Email"] = "bad-form-customer", ["Password"] = "short", ["Limits.MaxDomains"] = "-1", ["Limits.MaxMailboxes"] = "1", ["Limits.DiskQuotaMb"] = "1",
        }, ["Name", "Email", "Password", "Limits.MaxDomains"]),
        new("/customers/{id:guid}", MatrixRole.Reseller, w => $"/customers/{A(w).CustomerId}", new()
        {
            ["Name"] = "", ["Limits.MaxDomains"] = "1", ["Limits.MaxMailboxes"] = "-1", ["Limits.DiskQuotaMb"] = "1",
        }, ["Name", "Limits.MaxMailboxes"]),
        new("/domains/new", MatrixRole.Customer, _ => "/domains/new", new() { ["Name"] = "not a domain!" }, ["Name"]),
        new("/domains/{domain}/mailboxes/new", MatrixRole.Customer, w => $"/domains/{A(w).Domain}/mailboxes/new",
            new() { ["LocalPart"] = "bad local@part", ["Password"] = "short", ["QuotaMb"] = "0" }, ["LocalPart", "Password", "QuotaMb"]),
        new("/domains/{domain}/mailboxes/{localPart}", MatrixRole.Customer, w => $"/domains/{A(w).Domain}/mailboxes/{MatrixTenant.Mailbox}", new()
        {
            ["DisplayName"] = "Info", ["QuotaMb"] = "0", ["Enabled"] = "true", ["ImapEnabled"] = "true", ["Pop3Enabled"] = "true", ["Pop3RetentionDays"] = "-3",
        }, ["QuotaMb", "Pop3RetentionDays"]),
        new("/domains/{domain}/mailboxes/{localPart}/password", MatrixRole.Customer, w => $"/domains/{A(w).Domain}/mailboxes/{MatrixTenant.Mailbox}/password",
            new() { ["Password"] = "short" }, ["Password"]),
        new("/domains/{domain}/aliases/new", MatrixRole.Customer, w => $"/domains/{A(w).Domain}/aliases/new",
            new() { ["LocalPart"] = "bad local@part", ["Destinations"] = "not-an-address" }, ["LocalPart", "Destinations"]),
        new("/domains/{domain}/aliases/{localPart}", MatrixRole.Customer, w => $"/domains/{A(w).Domain}/aliases/{MatrixTenant.Alias}",
            new() { ["Destinations"] = "not-an-address" }, ["Destinations"]),
    ];

    /// <summary>POST routes that take no typed input (a button), or whose input is not a person's form.</summary>
    private static readonly HashSet<string> WithoutInput =
    [
        "/account/logout", "/account/two-factor/recovery-codes", "/apikeys/{id:guid}/revoke",
        "/account/security/sessions/{id}/end", "/account/security/sessions/end-others",
        // Only reachable with a pending two-factor sign-in (or 2FA on); their messages: TwoFactorSignInTests.
        "/account/two-factor-code", "/account/two-factor/disable",
        "/resellers/{id:guid}/status", "/customers/{id:guid}/status", "/domains/{name}/delete", "/domains/{name}/verify", "/domains/{name}/verify-by-hand",
        "/domains/{domain}/mailboxes/{localPart}/delete", "/deleted-mailboxes/restore", "/domains/{domain}/mailboxes/{localPart}/vacation/off", "/domains/{domain}/aliases/{localPart}/delete",
        "/provisioning/retry", "/queue/{id}/retry", "/queue/{id}/delete",
        // Delete and restore buttons of customers and resellers (what they refuse: TenantDeletionTests).
        "/customers/{id:guid}/delete", "/customers/{id:guid}/restore", "/resellers/{id:guid}/delete", "/resellers/{id:guid}/restore",
        // Delete and restore of staff accounts, and unlocking a login (buttons; StaffDeletionTests, LoginManagementTests).
        "/staff/{id}/delete", "/staff/{id}/restore", "/logins/unlock",
        "/queue/holds/{address}/release", // the release button of a held sender (a route parameter, no form)
        "/migrations/{id}/pause", "/migrations/{id}/resume", // buttons (what they refuse: MigrationImportPageTests, ImapMigrationTests)
        // The POP3 advice's one-click fix (a hidden, fixed number of days; any other value goes through the mailbox's own
        // update and its message comes back as the page's error banner, not a form field).
        "/my/pop3-retention", "/domains/{domain}/mailboxes/{localPart}/pop3-retention",
        // The domain page's certificate buttons (what they refuse, through the same service: AcmeCertificateTests).
        "/domains/{name}/certificate", "/domains/{name}/certificate/withdraw",
        // The domain's suspend, resume and restore buttons (what they refuse: DomainSuspensionTests, DomainRestorePortalTests).
        "/domains/{name}/suspend", "/domains/{name}/resume", "/domains/{name}/restore",
        "/autodiscover/autodiscover.xml", // a mail program's XML request, answered 400 when unreadable (MailClientConfigTests)
        // Webmail actions need a webmail session (the mailbox password for IMAP), which the matrix world's portal
        // sessions do not have; their bad input (From not the user's, no recipient, folder names with '/',
        // renaming INBOX, deleting Trash) is shown to the user in WebmailFeatureTests.
        "/webmail/logout", "/webmail/compose", "/webmail/messages", "/webmail/trash/empty",
        "/webmail/folders/create", "/webmail/folders/rename", "/webmail/folders/delete",
    ];

    /// <summary>
    /// POST routes whose bad input is answered differently from a form with a message beside each field,
    /// and is checked by tests of their own: a folder row's retention (one number, refused by the same
    /// validator as the API: ApiFolderTests) comes back as the page's error line; a CSV upload's refusals
    /// are per line in the dry-run table (BulkCsvApiTests, BulkCsvBrowserTests); the migration form's
    /// refusals (SSRF, closed port, validation) are in ImapMigrationTests.
    /// </summary>
    private static readonly HashSet<string> CheckedByTheirOwnTests =
    [
        "/my/folders/retention", "/domains/{domain}/mailboxes/{localPart}/folders/retention",
        "/domains/{domain}/import", "/domains/{domain}/import/apply", "/migrations",
        // The link's page refuses a spent or unknown link before any field (PasswordResetTests).
        "/account/reset-password",
        // The domain page's quota cap: one number, refused by the same service as the API, shown as the page's error line (ApiQuotaRoomTests).
        "/domains/{name}/quota-cap",
        // Many migrations from a CSV file: refusals per line in the dry-run table (MigrationImportPageTests).
        "/migrations/import", "/migrations/import/apply",
        // A mailbox file's upload: refused as a whole with the reason (not mbox, zip slip, zip bomb), in MailboxTransferTests.
        "/my/import", "/domains/{domain}/mailboxes/{localPart}/import",
        // Language and time zone, one's own and a reseller's defaults: values not on the lists are refused and nothing
        // is stored (LanguageAndTimeZoneTests, through these very forms).
        "/account/security/preferences", "/account/security/reseller-defaults", "/resellers/{id:guid}/defaults",
    ];

    [Fact]
    public void EveryPortalPostRoute_HasABadInputCase_OrTakesNoInput()
    {
        var posts = RouteMatrix.Rules.Where(r => !r.Api && r.Method == "POST").Select(r => r.Pattern).ToList();
        var missing = posts.Where(p => !WithoutInput.Contains(p) && !CheckedByTheirOwnTests.Contains(p) && Forms.All(f => f.Pattern != p)).ToList();
        Assert.True(missing.Count == 0, "POST routes without a bad-input case:\n" + string.Join("\n", missing));
    }

    [Fact]
    public async Task EveryForm_ShowsEachBadFieldsMessageBesideIt_AndSavesNothing()
    {
        var problems = new List<string>();
        foreach (var form in Forms)
        {
            var path = form.Path(world);
            var fields = new Dictionary<string, string>(form.Fields) { ["__RequestVerificationToken"] = await world.TokenAsync(form.Role) };
            using var response = await world.Portal(form.Role).Client.PostAsync(path, new FormUrlEncodedContent(fields), Ct);
            var html = await response.Content.ReadAsStringAsync(Ct);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                problems.Add($"{path}: {(int)response.StatusCode} instead of the form again");
                continue;
            }
            foreach (var field in form.Expected)
            {
                var message = Regex.Match(html, $"data-valmsg-for=\"{Regex.Escape(field)}\"[^>]*>([^<]+)<");
                if (!message.Success || string.IsNullOrWhiteSpace(message.Groups[1].Value))
                    problems.Add($"{path}: no message beside {field}");
            }
        }
        Assert.True(problems.Count == 0, string.Join("\n", problems));

        // Nothing half-saved: the seeded objects are as they were, and no create left a row.
        var mailbox = await GetAsync(world.Admin, $"/api/v1/domains/{world.A.Domain}/mailboxes/{MatrixTenant.Mailbox}");
        Assert.Equal(100, mailbox["quotaMb"]!.GetValue<long>());
        Assert.Equal(0, mailbox["pop3RetentionDays"]!.GetValue<int>());
        Assert.Equal(world.A.CustomerName, (await GetAsync(world.Admin, $"/api/v1/customers/{world.A.CustomerId}"))["name"]!.GetValue<string>());
        Assert.Equal(world.A.ResellerName, (await GetAsync(world.Admin, $"/api/v1/resellers/{world.A.ResellerId}"))["name"]!.GetValue<string>());
        Assert.Equal([world.A.MailboxAddress], (await GetAsync(world.Admin, $"/api/v1/domains/{world.A.Domain}/aliases/{MatrixTenant.Alias}"))["destinations"]!.AsArray().Select(d => d!.GetValue<string>()));
        Assert.Equal(0, (await GetAsync(world.Admin, "/api/v1/customers?search=bad-form"))["total"]!.GetValue<int>());
    }
}
