namespace HostingPanel.Application.Users;

/// <summary>A plain-text mail the product itself sends to someone (a password-reset link).</summary>
public sealed record ProductMessage(string To, string Subject, string Text)
{
    /// <summary>The recipient's language, written as Content-Language (RFC 3282).</summary>
    public string? Language { get; init; }
}

/// <summary>
/// The product's own outgoing mail: a hosted address gets it through local delivery, any other address through the
/// engine's outbound queue, always from the null sender so that it never bounces back (RFC 3834 section 3.3).
/// </summary>
public interface IProductMail
{
    /// <summary>False when this node cannot send mail (it runs no mail engine); the caller logs it and goes on.</summary>
    Task<bool> SendAsync(ProductMessage message, CancellationToken ct = default);
}
