using System.Security.Cryptography;
using System.Text;
using FluentValidation;
using HostingPanel.Application.Common;
using HostingPanel.Data;
using HostingPanel.Data.Identity;
using HostingPanel.Data.Model;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace HostingPanel.Application.Users;

/// <summary>The new password chosen on the page a "forgot password" link opens.</summary>
public sealed class CompletePasswordResetInput
{
    public string? Token { get; set; }
    public string? Password { get; set; }
}

public sealed class CompletePasswordResetValidator : AbstractValidator<CompletePasswordResetInput>
{
    public CompletePasswordResetValidator()
    {
        RuleFor(x => x.Token).NotEmpty().WithMessage(PasswordResetByMail.UnusableLinkMessage)
            .MaximumLength(100).WithMessage(PasswordResetByMail.UnusableLinkMessage);
        RuleFor(x => x.Password).Password();
    }
}

/// <summary>Whose password a completed link set: the portal uses it to end a mailbox owner's webmail sessions.</summary>
public sealed record CompletedPasswordReset(string Login, Guid? MailboxId);

/// <summary>
/// "Forgot password": a link by mail, to the login's recovery address when it has one, otherwise to the login address.
/// <list type="bullet">
/// <item>The link carries 256 random bits; the database keeps only their SHA-256, so a copy of it resets nothing.</item>
/// <item>It works once (spent with a conditional update: two tabs racing with the same link cannot both win) and for
/// <see cref="LinkLifetime"/>; a new password ends every session of the login and clears a lockout.</item>
/// <item>Asking tells nothing: the same answer whether the address has a login or not, and at most
/// <see cref="MaxLinksPerLifetime"/> mails per login per lifetime, so the form cannot be used to flood a mailbox.</item>
/// </list>
/// A mailbox owner's portal password is the mailbox's password: the link sets that one (IMAP, POP3 and SMTP too).
/// </summary>
public sealed class PasswordResetByMail(
    HostingPanelDbContext db,
    UserManager<AppUser> users,
    IMailboxPasswordHasher mailboxHasher,
    IProductMail mail,
    IValidator<CompletePasswordResetInput> validator,
    IOutboxSignal outboxSignal,
    TimeProvider time,
    Localization.UserPreferences preferences,
    ILogger<PasswordResetByMail> log)
{
    public static readonly TimeSpan LinkLifetime = TimeSpan.FromMinutes(30);
    public const int MaxLinksPerLifetime = 3;
    public const string UnusableLinkMessage = "This link is not valid any more: links work once, for 30 minutes. Ask for a new one.";

    /// <summary>Sends a link when <paramref name="login"/> is a portal login that may sign in; otherwise does nothing, silently.</summary>
    /// <param name="linkBase">The reset page's absolute URL; the secret is appended as <c>?token=</c>.</param>
    public async Task RequestAsync(string login, string linkBase, CancellationToken ct = default)
    {
        var address = login.Trim();
        if (address.Length is 0 or > 320) return;
        var user = await users.FindByEmailAsync(address);
        if (user?.Email is null || user.DeletedAt is not null) return;
        var now = time.GetUtcNow();
        var recent = await db.PasswordResetLinks.CountAsync(l => l.UserId == user.Id && l.CreatedAt > now - LinkLifetime, ct);
        if (recent >= MaxLinksPerLifetime)
        {
            log.LogInformation("No reset link sent to {Login}: {Count} were sent in the last {Minutes} minutes", user.Email, recent, LinkLifetime.TotalMinutes);
            return;
        }

        var to = string.IsNullOrWhiteSpace(user.RecoveryEmail) ? user.Email : user.RecoveryEmail;
        if (await HeldByAnotherTenantAsync(user, to, ct) is { } holder)
        {
            // Whoever holds the recipient's domain here reads what arrives for it (a catch-all, an alias, a mailbox
            // made later): a link sent there would hand them this login. Nothing is sent; the asker sees the usual answer.
            db.AuditEntries.Add(new AuditEntry(user.Email, "login.reset-link-withheld", "User", user.Email,
                $"not sent to {to}: {holder} is hosted here by another tenant; a manager of the login can reset it", null)
            {
                ResellerId = user.ResellerId,
                CustomerId = user.CustomerId,
            });
            await db.SaveChangesAsync(ct);
            log.LogWarning("No reset link sent for {Login}: its address {To} is at {Domain}, which another tenant hosts here", user.Email, to, holder);
            return;
        }

        var token = Base64Url(RandomNumberGenerator.GetBytes(32));
        db.PasswordResetLinks.Add(new PasswordResetLink(Hash(token), user.Id, now, LinkLifetime));
        db.AuditEntries.Add(new AuditEntry(user.Email, "login.reset-link-sent", "User", user.Email, $"sent to {to}", null)
        {
            ResellerId = user.ResellerId,
            CustomerId = user.CustomerId,
        });
        await db.SaveChangesAsync(ct);

        var link = linkBase + "?token=" + token;
        // In the login's language (its own choice, else its reseller's), not the asker's: whoever asks may be anyone.
        var culture = await preferences.MailCultureAsync(user, ct);
        var sent = await mail.SendAsync(new ProductMessage(to, Localization.ProductText.Mail("Mail.Reset.Subject", culture),
            Localization.ProductText.Mail("Mail.Reset.Body", culture, user.Email, link)) { Language = culture.TwoLetterISOLanguageName }, ct);
        if (!sent) log.LogWarning("The reset link for {Login} could not be sent: this node runs no mail engine", user.Email);
    }

    /// <summary>
    /// The recipient's domain when this server hosts it for someone other than the login's own customer (for staff and
    /// resellers: for anyone, since every tenant is below them); null when the mail leaves for the Internet or stays
    /// with the login's own tenant. A domain in its grace period after deletion still counts as held.
    /// </summary>
    private async Task<string?> HeldByAnotherTenantAsync(AppUser user, string to, CancellationToken ct)
    {
        var at = to.LastIndexOf('@');
        if (at < 0 || !DomainName.TryParse(to[(at + 1)..], out var domain, out _)) return to;
        var name = domain!.Value;
        var holder = await db.Domains.IgnoreQueryFilters().Where(d => d.Name == name).Select(d => (Guid?)d.CustomerId).FirstOrDefaultAsync(ct);
        if (holder is null) return null;
        var own = user.CustomerId;
        if (own is null && user.MailboxId is { } mailboxId)
            own = await db.Mailboxes.IgnoreQueryFilters().Where(m => m.Id == mailboxId).Select(m => (Guid?)m.Domain!.CustomerId).FirstOrDefaultAsync(ct);
        return own == holder ? null : name;
    }

    /// <summary>The login a link would reset, or null when the link is unknown, spent or out of time.</summary>
    public async Task<string?> LoginOfAsync(string? token, CancellationToken ct = default)
    {
        if (string.IsNullOrEmpty(token) || token.Length > 100) return null;
        var hash = Hash(token);
        var now = time.GetUtcNow();
        var userId = await db.PasswordResetLinks.Where(l => l.TokenHash == hash && l.UsedAt == null && l.ExpiresAt > now)
            .Select(l => l.UserId).FirstOrDefaultAsync(ct);
        if (userId is null) return null;
        return await db.Users.Where(u => u.Id == userId && u.DeletedAt == null).Select(u => u.Email).FirstOrDefaultAsync(ct);
    }

    public async Task<ServiceResult<CompletedPasswordReset>> CompleteAsync(CompletePasswordResetInput input, CancellationToken ct = default)
    {
        var validation = await validator.ValidateAsync(input, ct);
        if (!validation.IsValid) return Failure.FromValidation(validation);
        var hash = Hash(input.Token!);
        var now = time.GetUtcNow();
        var link = await db.PasswordResetLinks.AsNoTracking().FirstOrDefaultAsync(l => l.TokenHash == hash, ct);
        var user = link is null ? null : await db.Users.FirstOrDefaultAsync(u => u.Id == link.UserId && u.DeletedAt == null, ct);
        if (link is null || user is null || !link.IsUsable(now)) return Failure.Invalid("Token", UnusableLinkMessage);

        // Spent before anything changes, by whoever gets here first: the other request finds it used.
        var spent = await db.PasswordResetLinks.Where(l => l.Id == link.Id && l.UsedAt == null && l.ExpiresAt > now)
            .ExecuteUpdateAsync(s => s.SetProperty(l => l.UsedAt, now), ct);
        if (spent != 1) return Failure.Invalid("Token", UnusableLinkMessage);

        if (user.MailboxId is { } mailboxId)
        {
            if (await SetMailboxPasswordAsync(mailboxId, input.Password!, ct) is { } failure) return failure;
        }
        else
        {
            var token = await users.GeneratePasswordResetTokenAsync(user);
            var reset = await users.ResetPasswordAsync(user, token, input.Password!);
            if (!reset.Succeeded) return Failure.Invalid("Password", string.Join(" ", reset.Errors.Select(e => e.Description)));
        }
        // The owner proved it holds the recovery address: a lockout and a pending forced change end here too.
        user.MustChangePassword = false;
        user.SecurityStamp = PortalSessionRevocation.NewStamp();
        await users.SetLockoutEndDateAsync(user, null);
        await users.ResetAccessFailedCountAsync(user);
        db.AuditEntries.Add(new AuditEntry(user.Email!, "login.password-reset-by-link", "User", user.Email!, null, null)
        {
            ResellerId = user.ResellerId,
            CustomerId = user.CustomerId,
        });
        await db.SaveChangesAsync(ct);
        return new CompletedPasswordReset(user.Email!, user.MailboxId);
    }

    /// <summary>The mailbox's own password (the owner's portal password), provisioned to the engine like any change of it.</summary>
    private async Task<Failure?> SetMailboxPasswordAsync(Guid mailboxId, string password, CancellationToken ct)
    {
        var mailbox = await db.Mailboxes.IgnoreQueryFilters().Include(m => m.Domain).ThenInclude(d => d!.Customer)
            .FirstOrDefaultAsync(m => m.Id == mailboxId && m.Status != EntityStatus.Deleting, ct);
        if (mailbox is null) return Failure.Invalid("Token", UnusableLinkMessage);
        mailbox.ChangePassword(mailboxHasher.Hash(password));
        await PortalSessionRevocation.EndSessionsOfMailboxAsync(db, mailbox.Id, ct);
        mailbox.MarkPending();
        var address = mailbox.AddressIn(mailbox.Domain!.Name);
        db.AuditEntries.Add(new AuditEntry(address, "mailbox.password", nameof(OutboxEntityType.Mailbox), address, "reset by link", null)
        {
            CustomerId = mailbox.Domain.CustomerId,
            ResellerId = mailbox.Domain.Customer!.ResellerId,
        });
        db.Outbox.Add(new OutboxRecord(OutboxEntityType.Mailbox, mailbox.Id, address));
        await db.SaveChangesAsync(ct);
        outboxSignal.Notify();
        return null;
    }

    private static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
