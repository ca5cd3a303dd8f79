using FluentValidation;
using HostingPanel.Web.Webmail;
using MimeKit;

namespace HostingPanel.Web.Features.Webmail;

/// <summary>The compose form (new, reply, reply all, forward, draft).</summary>
public sealed class ComposeForm
{
    public string? From { get; set; }
    public string? To { get; set; }
    public string? Cc { get; set; }
    public string? Bcc { get; set; }
    public string? Subject { get; set; }
    public string? Body { get; set; }
    public List<IFormFile> Attachments { get; set; } = [];
    public string? InReplyTo { get; set; }
    public string? References { get; set; }
    public string? SourceFolder { get; set; }
    public uint? SourceUid { get; set; }
    public ComposeMode Mode { get; set; }
    public bool ForwardAttachments { get; set; }
    public uint? DraftUid { get; set; }
    /// <summary>"send" or "draft".</summary>
    public string? Intent { get; set; }

    public bool IsDraft => Intent == "draft";
}

public sealed class ComposeFormValidator : AbstractValidator<ComposeForm>
{
    public ComposeFormValidator(Microsoft.Extensions.Options.IOptions<WebmailOptions> options)
    {
        RuleFor(x => x.From).NotEmpty().WithMessage("Choose a From address.");
        RuleFor(x => x.To).Must(Addresses).WithMessage("The To addresses are not valid (separate several with commas).").MaximumLength(10_000);
        RuleFor(x => x.Cc).Must(Addresses).WithMessage("The Cc addresses are not valid.").MaximumLength(10_000);
        RuleFor(x => x.Bcc).Must(Addresses).WithMessage("The Bcc addresses are not valid.").MaximumLength(10_000);
        RuleFor(x => x).Must(x => !string.IsNullOrWhiteSpace(x.To) || !string.IsNullOrWhiteSpace(x.Cc) || !string.IsNullOrWhiteSpace(x.Bcc))
            .When(x => !x.IsDraft).WithName(nameof(ComposeForm.To)).WithMessage("Enter at least one recipient.");
        RuleFor(x => x.Subject).MaximumLength(900);
        RuleFor(x => x.Body).MaximumLength(2_000_000);
        RuleFor(x => x.Attachments.Sum(a => a.Length)).LessThanOrEqualTo(options.Value.MaxAttachmentBytes).WithName(nameof(ComposeForm.Attachments))
            .WithMessage($"Attachments may total at most {options.Value.MaxAttachmentBytes / 1024 / 1024} MB.");
        RuleFor(x => x.Intent).Must(i => i is "send" or "draft").WithMessage("Choose Send or Save draft.");
        RuleFor(x => x.InReplyTo).MaximumLength(1000);
        RuleFor(x => x.References).MaximumLength(10_000);
        RuleFor(x => x.SourceFolder).MaximumLength(500);
        RuleFor(x => x.Mode).IsInEnum();
    }

    private static bool Addresses(string? value) =>
        string.IsNullOrWhiteSpace(value) || (InternetAddressList.TryParse(value, out var list) && list.Mailboxes.All(m => m.Address.Contains('@')) && list.Count > 0);
}
