using System.Globalization;
using HostingPanel.Application.Domains;
using HostingPanel.Web.Features.Shared;

namespace HostingPanel.Web.Features.Domains;

/// <summary>
/// One record to publish in the domain's zone, in zone-file terms: absolute names end with a dot; TXT values are given
/// without quotes (a zone file quotes them, and splits values over 255 characters into several strings).
/// <paramref name="Kind"/> tells apart TXT records that share a name (SPF at the apex beside others).
/// </summary>
public sealed record DnsRecord(string Name, string Type, string Value, string Purpose, string? Kind = null);

/// <summary>
/// The records a hosted domain needs: ownership (the verification TXT), MX, SPF, DMARC, DKIM, auto-configuration
/// names and RFC 6186 / RFC 8314 SRV records.
/// </summary>
public static class DnsRecords
{
    public const string SpfKind = "v=spf1";
    public const string DmarcKind = "v=DMARC1";
    public const string DkimKind = "v=DKIM1";
    public const string MtaStsKind = "v=STSv1";
    public const string TlsRptKind = "v=TLSRPTv1";

    public static IReadOnlyList<DnsRecord> For(DomainView domain, MailServers servers, IReadOnlyList<DnsRecord>? dkim = null) =>
        For(domain.Name, domain.VerificationRecord, servers, dkim);

    /// <param name="verification">The domain's verification TXT record; null leaves it out.</param>
    public static IReadOnlyList<DnsRecord> For(string domain, DnsRecordSpec? verification, MailServers servers, IReadOnlyList<DnsRecord>? dkim = null)
    {
        var zone = domain.TrimEnd('.') + ".";
        var host = servers.Hostname.TrimEnd('.') + ".";
        var records = new List<DnsRecord>();
        if (verification is not null)
            records.Add(new(verification.Name, verification.Type, verification.Value, "Proves the domain is yours (see Ownership); may stay published", DomainVerification.Prefix));
        records.AddRange(
        [
            new(zone, "MX", $"10 {host}", "Mail for the domain is delivered here"),
            // ~all, not -all: a message from the domain that someone else forwards without SRS still arrives; DKIM
            // carries the proof, and DMARC decides.
            new(zone, "TXT", "v=spf1 mx ~all", "SPF: the MX host sends the domain's mail; others soft-fail (~all), so mail forwarded elsewhere is not refused", SpfKind),
            new($"_dmarc.{zone}", "TXT", "v=DMARC1; p=none",
                "DMARC: p=none only asks for reports. Once your mail passes DKIM and SPF for some weeks, move to p=quarantine, then p=reject", DmarcKind),
            // RFC 8460: daily reports of TLS failures sending to this domain.
            new($"_smtp._tls.{zone}", "TXT", $"v=TLSRPTv1; rua=mailto:postmaster@{domain.TrimEnd('.')}",
                "TLS-RPT: other servers send daily reports of TLS problems delivering to you to this address", TlsRptKind),
        ]);
        if (servers.MtaSts != MtaStsPublishing.Off)
        {
            // RFC 8461: senders must use TLS with a valid certificate for the MX; the policy is served by this server at
            // https://mta-sts.<domain>/.well-known/mta-sts.txt, unless the operator turned it off (Mail:MtaSts:Mode).
            var mode = servers.MtaSts.ToString().ToLowerInvariant();
            records.Insert(records.FindIndex(r => r.Kind == TlsRptKind),
                new($"_mta-sts.{zone}", "TXT", $"v=STSv1; id={MtaStsPolicy.Id(servers.Hostname, servers.MtaSts)}",
                    $"MTA-STS: senders must reach your MX over TLS (policy in mode {mode}; the id changes when the policy does)", MtaStsKind));
            records.Insert(records.FindIndex(r => r.Kind == TlsRptKind),
                new($"mta-sts.{zone}", "CNAME", host, "MTA-STS policy host: serves /.well-known/mta-sts.txt (its HTTPS certificate must cover this name)"));
        }
        records.AddRange(dkim ?? []);
        records.AddRange(
        [
            new($"autoconfig.{zone}", "CNAME", host, "Thunderbird auto-configuration"),
            new($"autodiscover.{zone}", "CNAME", host, "Outlook Autodiscover"),
            // RFC 8314 section 5.1: implicit TLS gets the better (lower) priority than STARTTLS.
            Srv("_imaps._tcp", zone, 0, servers.Imaps, host, "IMAP over TLS (RFC 6186)"),
            Srv("_imap._tcp", zone, 10, servers.Imap, host, "IMAP with STARTTLS (RFC 6186)"),
            Srv("_pop3s._tcp", zone, 10, servers.Pop3s, host, "POP3 over TLS (RFC 6186)"),
            Srv("_pop3._tcp", zone, 20, servers.Pop3, host, "POP3 with STARTTLS (RFC 6186)"),
            Srv("_submissions._tcp", zone, 0, servers.Submissions, host, "Submission over TLS (RFC 8314)"),
            Srv("_submission._tcp", zone, 10, servers.Submission, host, "Submission with STARTTLS (RFC 6186)"),
        ]);
        return records;
    }

    /// <summary>The value as a zone file writes it: TXT quoted, in strings of at most 255 characters (RFC 1035 section 3.3.14).</summary>
    public static string ZoneValue(DnsRecord r) =>
        r.Type == "TXT" ? string.Join(" ", r.Value.Chunk(255).Select(c => "\"" + new string(c).Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"")) : r.Value;

    // RFC 6186 section 3.4: a service that is not offered is published with target "." (and port 0).
    private static DnsRecord Srv(string service, string zone, int priority, int port, string host, string purpose) =>
        port > 0
            ? new($"{service}.{zone}", "SRV", string.Create(CultureInfo.InvariantCulture, $"{priority} 1 {port} {host}"), purpose)
            : new($"{service}.{zone}", "SRV", "0 0 0 .", purpose + ": not offered");
}
