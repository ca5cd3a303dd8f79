namespace HostingPanel.Application.Certificates;

/// <summary>
/// What the host that talks to the ACME CA tells the service layer: whether it issues at all, the state of one host
/// name's certificate, and a nudge to look at the requests now rather than at its next interval.
/// </summary>
public interface IDomainCertificateIssuer
{
    /// <summary>False when the operator has not set up an ACME CA (Acme:Enabled): nothing would ever be issued.</summary>
    bool Enabled { get; }

    /// <summary>The certificate this node holds for the name, and the last failure to get one; null: neither.</summary>
    IssuedCertificateState? StateOf(string hostName);

    /// <summary>Asks the issuer to look at the requested names now (a request was made or withdrawn).</summary>
    void Wake();
}

/// <param name="NotAfter">Expiry of the certificate held; null when none is held yet.</param>
/// <param name="LastError">Why the last attempt failed (the CA's words), with when it will be tried again.</param>
public sealed record IssuedCertificateState(DateTimeOffset? NotAfter, DateTimeOffset? NotBefore, string? LastError, DateTimeOffset? RetryAt);
