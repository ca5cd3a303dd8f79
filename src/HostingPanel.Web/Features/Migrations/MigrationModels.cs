using FluentValidation;
using HostingPanel.MailEngine.Transfer;

namespace HostingPanel.Web.Features.Migrations;

public sealed class CreateMigrationInput
{
    /// <summary>The mailbox here that receives the mail (in the caller's scope).</summary>
    public string? Address { get; set; }
    public string? Host { get; set; }
    public int Port { get; set; } = 993;
    /// <summary>None, StartTls or Tls.</summary>
    public string? Security { get; set; } = "Tls";
    public string? Username { get; set; }
    public string? Password { get; set; }
}

public sealed class CreateMigrationValidator : AbstractValidator<CreateMigrationInput>
{
    public static readonly string[] SecurityModes = ["None", "StartTls", "Tls"];

    public CreateMigrationValidator()
    {
        RuleFor(x => x.Address).NotEmpty().WithMessage("Enter the address of the mailbox here that receives the mail.");
        RuleFor(x => x.Host).NotEmpty().WithMessage("Enter the old server's host name.")
            .MaximumLength(253).WithMessage("The host name can have at most 253 characters.")
            .Must(h => h is null || Uri.CheckHostName(h.Trim()) != UriHostNameType.Unknown).WithMessage("Enter a host name or an IP address.");
        RuleFor(x => x.Port).InclusiveBetween(1, 65535).WithMessage("The port must be between 1 and 65535.");
        RuleFor(x => x.Security).Must(s => SecurityModes.Contains(s, StringComparer.OrdinalIgnoreCase)).WithMessage("The security must be None, StartTls or Tls.");
        RuleFor(x => x.Username).NotEmpty().WithMessage("Enter the user name on the old server.")
            .MaximumLength(320).WithMessage("The user name can have at most 320 characters.")
            .Must(u => u is null || !u.Any(char.IsControl)).WithMessage("The user name cannot contain control characters.");
        RuleFor(x => x.Password).NotEmpty().WithMessage("Enter the password on the old server.")
            .MaximumLength(1024).WithMessage("The password can have at most 1024 characters.")
            .Must(p => p is null || !p.Any(c => c is '\r' or '\n' or '\0')).WithMessage("The password cannot contain line breaks.");
    }
}

/// <summary>What the API and the progress page show of a job (never the password).</summary>
/// <param name="TotalMessages">The source's messages when the job planned its current run (0 before); <paramref name="RemainingMessages"/> of them still to copy.</param>
/// <param name="Percent">Per message: the share of the source's messages that are here (100 when done).</param>
public sealed record MigrationDto(string Id, string Address, string Host, int Port, string Security, string Username, string Status,
    long Messages, long Bytes, long Folders, long Skipped, IReadOnlyList<string> Errors, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt,
    long TotalMessages, long RemainingMessages, int Percent)
{
    public static MigrationDto From(MigrationJob j) => new(j.Id, j.Address, j.Host, j.Port, j.Security, j.Username, j.Status,
        j.Messages, j.Bytes, j.Folders, j.Skipped, j.Errors, j.CreatedAt, j.UpdatedAt, j.TotalMessages, j.RemainingMessages, j.Percent);
}

public sealed class MigrationOptions
{
    public const string SectionName = "Migrations";
    /// <summary>Let tenants (not only admins) migrate from loopback, private and link-local addresses (tests, closed networks).</summary>
    public bool AllowPrivateNetworks { get; set; }
    /// <summary>Jobs running at once in this process; jobs from the same source host always run one at a time.</summary>
    public int MaxConcurrentJobs { get; set; } = 4;
    /// <summary>How long a connection to the source may stay silent before the job fails.</summary>
    public TimeSpan SourceTimeout { get; set; } = TimeSpan.FromSeconds(60);
}
