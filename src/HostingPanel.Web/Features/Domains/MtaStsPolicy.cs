using System.Security.Cryptography;
using System.Text;
using HostingPanel.Web.Hosting;

namespace HostingPanel.Web.Features.Domains;

/// <summary><c>Mail:MtaSts:Mode</c>: whether the product publishes an MTA-STS policy for its hosted domains, and which.</summary>
public enum MtaStsPublishing
{
    /// <summary>No policy served and no MTA-STS records shown.</summary>
    Off,
    /// <summary>The default: senders report TLS failures (TLS-RPT) but still deliver, so a policy that a sender cannot
    /// fetch or verify (no HTTPS certificate for <c>mta-sts.&lt;domain&gt;</c> yet) never costs a message.</summary>
    Testing,
    /// <summary>Senders deliver only to this MX, over TLS with a valid certificate.</summary>
    Enforce,
}

/// <summary>
/// The MTA-STS policy (RFC 8461) of every hosted domain: their MX is this server, so one policy fits them all. The
/// operator chooses with <c>Mail:MtaSts:Mode</c>: <c>Testing</c> (the default, like DMARC's p=none), then
/// <c>Enforce</c> once the TLS-RPT reports are clean, or <c>Off</c>. The <c>id</c> in the <c>_mta-sts</c> record is derived from the
/// policy text, so it changes exactly when the policy does (RFC 8461 section 3.1).
/// </summary>
public static class MtaStsPolicy
{
    public const string SettingName = "Mail:MtaSts:Mode";

    /// <summary>One week: senders cache the policy this long (RFC 8461 section 3.2 recommends weeks).</summary>
    public const int MaxAgeSeconds = 604800;

    /// <summary>The configured mode; a value other than Off, Testing or Enforce stops start-up with one line.</summary>
    public static MtaStsPublishing Read(IConfiguration configuration)
    {
        var value = configuration[SettingName];
        if (string.IsNullOrWhiteSpace(value))
            return MtaStsPublishing.Testing;
        if (Enum.TryParse<MtaStsPublishing>(value.Trim(), ignoreCase: true, out var mode) && Enum.IsDefined(mode) && !value.Trim().All(char.IsAsciiDigit))
            return mode;
        throw new StartupProblem($"{SettingName} is '{value}'; use Off, Testing or Enforce.");
    }

    public static string Text(string mailHostname, MtaStsPublishing mode) =>
        $"version: STSv1\r\nmode: {mode.ToString().ToLowerInvariant()}\r\nmx: {mailHostname.TrimEnd('.')}\r\nmax_age: {MaxAgeSeconds}\r\n";

    /// <summary>1-32 alphanumeric characters (RFC 8461 section 3.1).</summary>
    public static string Id(string mailHostname, MtaStsPublishing mode) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(Text(mailHostname, mode))))[..20].ToLowerInvariant();
}
