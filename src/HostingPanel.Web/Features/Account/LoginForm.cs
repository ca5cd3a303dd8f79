using FluentValidation;

namespace HostingPanel.Web.Features.Account;

public sealed class LoginForm
{
    public string? Email { get; set; }
    public string? Password { get; set; }
    public string? ReturnUrl { get; set; }
}

public sealed class LoginFormValidator : AbstractValidator<LoginForm>
{
    public LoginFormValidator()
    {
        RuleFor(x => x.Email).NotEmpty().WithMessage("Enter your email address or mailbox address.").MaximumLength(320);
        RuleFor(x => x.Password).NotEmpty().WithMessage("Enter your password.").MaximumLength(200);
    }
}

public sealed class TwoFactorCodeForm
{
    public string? Code { get; set; }
    public string? ReturnUrl { get; set; }

    /// <summary>Authenticator apps show "123 456"; recovery codes are typed with or without their dash.</summary>
    public static string Normalize(string? code) => (code ?? "").Replace(" ", "").Trim();
}
