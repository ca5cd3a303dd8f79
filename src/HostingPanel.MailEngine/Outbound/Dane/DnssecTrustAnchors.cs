using System.Globalization;
using System.Net;
using ARSoft.Tools.Net;
using ARSoft.Tools.Net.Dns;

namespace HostingPanel.MailEngine.Outbound.Dane;

/// <summary>
/// The DS records of the root zone that DNSSEC validation starts from (RFC 4033 section 3: a trust anchor).
/// <c>Dns:TrustAnchors:N</c> replaces the default, the root's KSK-2017 (tag 20326) and KSK-2024 (tag 38696) as IANA
/// publishes them. Tests with their own signed root give its DS here; an operator follows a root key roll here.
/// Validation always starts at the root: ARSoft's validator walks DS records down from it.
/// </summary>
public sealed class DnssecTrustAnchors : IResolverHintStore
{
    /// <summary>The IANA root anchors (https://data.iana.org/root-anchors/root-anchors.xml), presentation form.</summary>
    public static readonly string[] IanaRootAnchors =
    [
        "20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D",
        "38696 8 2 683D2D0ACB8C9B712A1948B27F741219298D0A450D612C483AF444A4C0FB2B16",
    ];

    public DnssecTrustAnchors(IEnumerable<string> anchors)
    {
        var list = anchors.Where(a => !string.IsNullOrWhiteSpace(a)).ToList();
        RootKeys = (list.Count == 0 ? [.. IanaRootAnchors] : list).Select(Parse).ToList();
    }

    public IReadOnlyList<IPAddress> RootServers { get; } = [];

    public IReadOnlyList<DsRecord> RootKeys { get; }

    /// <summary>
    /// One DS record in presentation form (RFC 4034 section 5.3): <c>KEYTAG ALGORITHM DIGESTTYPE DIGEST</c>, optionally
    /// preceded by <c>. [TTL] [IN] DS</c> as <c>keymgr . ds</c> and zone files print it.
    /// </summary>
    public static DsRecord Parse(string text)
    {
        var fields = text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).ToList();
        var ds = fields.FindIndex(f => f.Equals("DS", StringComparison.OrdinalIgnoreCase));
        if (ds >= 0)
        {
            if (fields[0] != ".")
                throw new FormatException($"Dns:TrustAnchors: '{text}' is not a DS record of the root zone ('.')");
            fields = fields[(ds + 1)..];
        }
        if (fields.Count < 4
            || !ushort.TryParse(fields[0], NumberStyles.None, CultureInfo.InvariantCulture, out var keyTag)
            || !byte.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out var algorithm)
            || !byte.TryParse(fields[2], NumberStyles.None, CultureInfo.InvariantCulture, out var digestType))
            throw new FormatException($"Dns:TrustAnchors: '{text}' is not 'KEYTAG ALGORITHM DIGESTTYPE DIGEST'");
        byte[] digest;
        try
        {
            digest = Convert.FromHexString(string.Concat(fields.Skip(3)));
        }
        catch (FormatException)
        {
            throw new FormatException($"Dns:TrustAnchors: the digest of '{text}' is not hexadecimal");
        }
        return new DsRecord(DomainName.Root, RecordClass.INet, 0, keyTag, (DnsSecAlgorithm)algorithm, (DnsSecDigestType)digestType, digest);
    }
}
