namespace HostingPanel.Application.Certificates;

/// <summary>
/// A hosted domain's own certificate, for the name its users type into mail clients (<c>mail.{domain}</c>).
/// <paramref name="Status"/>: <c>none</c> (not asked for), <c>requested</c> (asked, not issued yet), <c>issued</c>,
/// <c>failed</c> (the last attempt failed; it is tried again at <paramref name="RetryAt"/>).
/// </summary>
public sealed record DomainCertificateView(
    string Domain, string HostName, string Status, DateTimeOffset? RequestedAt, DateTimeOffset? NotBefore, DateTimeOffset? NotAfter,
    string? Error, DateTimeOffset? RetryAt, bool IssuerEnabled);
