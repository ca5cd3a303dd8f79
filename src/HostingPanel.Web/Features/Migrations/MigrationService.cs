using HostingPanel.Application.Common;
using HostingPanel.Application.Mailboxes;
using HostingPanel.Data.Model;
using HostingPanel.MailEngine.Transfer;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;

namespace HostingPanel.Web.Features.Migrations;

/// <summary>
/// Starting and reading IMAP migrations for the API and the portal. The target mailbox must be in the caller's scope
/// (else 404, also for reading a job); the source host must pass <see cref="MigrationTargetPolicy"/>; the source password
/// is encrypted with ASP.NET Data Protection before it is stored, and the worker deletes it when the job ends.
/// </summary>
public sealed class MigrationService(
    MailboxService mailboxes,
    IActorAccessor actor,
    IMigrationJobs jobs,
    IMailboxTransfer transfer,
    IDataProtectionProvider protection,
    IOptions<MigrationOptions> options,
    MigrationSignal signal)
{
    public const string ProtectorPurpose = "HostingPanel.Migrations.SourcePassword";
    private static readonly CreateMigrationValidator Validator = new();

    public async Task<ServiceResult<MigrationJob>> CreateAsync(CreateMigrationInput input, CancellationToken ct)
    {
        var prepared = await PrepareAsync(input, ct);
        if (prepared.Failure is { } failure) return failure;
        return await QueueAsync(prepared.Value!, ct);
    }

    /// <summary>A job checked and ready to queue: the target mailbox, the host, the encrypted password.</summary>
    public sealed record PreparedMigration(string Address, string Host, int Port, string Security, string Username, string Secret, bool AllowPrivate);

    /// <summary>Every check of one job (validator, scope: 404, active mailbox: 409, target policy), without queuing it.</summary>
    public async Task<ServiceResult<PreparedMigration>> PrepareAsync(CreateMigrationInput input, CancellationToken ct)
    {
        var validation = await Validator.ValidateAsync(input, ct);
        if (!validation.IsValid) return Failure.FromValidation(validation);
        if (!EmailAddress.TryParse(input.Address, out var address, out _)) return Failure.NotFound("The mailbox");
        var mailbox = await mailboxes.GetAsync(address!.Domain.Value, address.LocalPart.Value, ct);
        if (!mailbox.Succeeded) return Failure.NotFound("The mailbox");
        var account = await transfer.FindAsync(mailbox.Value!.Address, ct);
        if (account is null || !account.Active)
            return Failure.Conflict(nameof(input.Address), "The mailbox is not active in the mail engine yet; start the migration when its status is active.");

        var host = input.Host!.Trim();
        var allowPrivate = actor.Actor.IsAdmin || options.Value.AllowPrivateNetworks;
        var target = await MigrationTargetPolicy.ResolveAsync(host, allowPrivate, ct);
        if (target.Refusal is { } refusal) return Failure.Invalid(nameof(input.Host), refusal);

        var security = CreateMigrationValidator.SecurityModes.First(s => string.Equals(s, input.Security, StringComparison.OrdinalIgnoreCase));
        var secret = protection.CreateProtector(ProtectorPurpose).Protect(input.Password!);
        return new PreparedMigration(account.Address, host, input.Port, security, input.Username!.Trim(), secret, allowPrivate);
    }

    public async Task<MigrationJob> QueueAsync(PreparedMigration m, CancellationToken ct)
    {
        var job = await jobs.CreateAsync(m.Address, m.Host, m.Port, m.Security, m.Username, m.Secret, m.AllowPrivate, ct);
        signal.Notify();
        return job;
    }

    /// <summary>Pauses a queued or running job (it stops between two messages); 409 when it has ended or is paused already.</summary>
    public async Task<ServiceResult<MigrationJob>> PauseAsync(string id, CancellationToken ct)
    {
        var job = await GetAsync(id, ct);
        if (job.Failure is not null) return job;
        if (!await jobs.PauseAsync(id, ct))
            return Failure.Conflict("status", $"Only a queued or running migration can be paused; this one is {(await jobs.GetAsync(id, ct))!.Status}.");
        return (await jobs.GetAsync(id, ct))!;
    }

    /// <summary>Queues a paused job again: it copies only what is not here yet; 409 when it is not paused.</summary>
    public async Task<ServiceResult<MigrationJob>> ResumeAsync(string id, CancellationToken ct)
    {
        var job = await GetAsync(id, ct);
        if (job.Failure is not null) return job;
        if (!await jobs.ResumeAsync(id, ct))
            return Failure.Conflict("status", $"Only a paused migration can be resumed; this one is {(await jobs.GetAsync(id, ct))!.Status}.");
        signal.Notify();
        return (await jobs.GetAsync(id, ct))!;
    }

    public async Task<ServiceResult<MigrationJob>> GetAsync(string id, CancellationToken ct)
    {
        if (!Guid.TryParse(id, out _) || await jobs.GetAsync(id, ct) is not { } job) return Failure.NotFound("The migration");
        var at = job.Address.LastIndexOf('@');
        var mailbox = await mailboxes.GetAsync(job.Address[(at + 1)..], job.Address[..at], ct);
        return mailbox.Succeeded ? job : Failure.NotFound("The migration");
    }
}

/// <summary>Wakes the migration worker when a job is queued, so it starts at once rather than at the next poll.</summary>
public sealed class MigrationSignal
{
    private readonly SemaphoreSlim _signal = new(0, 1);

    public void Notify()
    {
        if (_signal.CurrentCount == 0)
        {
            try { _signal.Release(); } catch (SemaphoreFullException) { }
        }
    }

    public Task WaitAsync(TimeSpan timeout, CancellationToken ct) => _signal.WaitAsync(timeout, ct);
}
