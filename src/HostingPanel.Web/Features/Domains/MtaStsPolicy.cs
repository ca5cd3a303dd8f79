using System.Security.Cryptography;
using System.Text;

namespace HostingPanel.Web.Features.Domains;

/// <summary>
/// The MTA-STS policy (RFC 8461) of every hosted domain: their MX is this server, so one policy fits them all. Mode
/// <c>testing</c> to start (senders report TLS failures through TLS-RPT but still deliver), like DMARC's p=none; the
/// domain's owner moves to <c>enforce</c> once the reports are clean. The <c>id</c> in the <c>_mta-sts</c> record
/// is derived from the policy text, so it changes exactly when the policy does (RFC 8461 section 3.1).
/// </summary>
public static class MtaStsPolicy
{
    /// <summary>One week: senders cache the policy this long (RFC 8461 section 3.2 recommends weeks).</summary>
    public const int MaxAgeSeconds = 604800;

    public static string Text(string mailHostname) =>
        $"version: STSv1\r\nmode: testing\r\nmx: {mailHostname.TrimEnd('.')}\r\nmax_age: {MaxAgeSeconds}\r\n";

    /// <summary>1-32 alphanumeric characters (RFC 8461 section 3.1).</summary>
    public static string Id(string mailHostname) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(Text(mailHostname))))[..20].ToLowerInvariant();
}
