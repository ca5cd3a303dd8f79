namespace HostingPanel.Application.Certificates;

/// <summary>A server without an ACME CA set up: requests are refused with that reason, nothing is ever issued.</summary>
public sealed class NoCertificateIssuer : IDomainCertificateIssuer
{
    public bool Enabled => false;

    public IssuedCertificateState? StateOf(string hostName) => null;

    public void Wake()
    {
    }
}
