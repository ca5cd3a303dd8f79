using System.Globalization;
using HostingPanel.Web.Features.Shared;

namespace HostingPanel.Web.Features.Domains;

/// <summary>One record to publish in the domain's zone, in zone-file terms (absolute names end with a dot).</summary>
public sealed record DnsRecord(string Name, string Type, string Value, string Purpose);

/// <summary>The records a hosted domain needs: MX, SPF, auto-configuration names and RFC 6186 / RFC 8314 SRV records.</summary>
public static class DnsRecords
{
    public static IReadOnlyList<DnsRecord> For(string domain, MailServers servers)
    {
        var zone = domain.TrimEnd('.') + ".";
        var host = servers.Hostname.TrimEnd('.') + ".";
        return
        [
            new(zone, "MX", $"10 {host}", "Mail for the domain is delivered here"),
            new(zone, "TXT", "\"v=spf1 mx -all\"", "SPF: only the MX host sends mail for the domain"),
            new($"autoconfig.{zone}", "CNAME", host, "Thunderbird auto-configuration"),
            new($"autodiscover.{zone}", "CNAME", host, "Outlook Autodiscover"),
            // RFC 8314 section 5.1: implicit TLS gets the better (lower) priority than STARTTLS.
            Srv("_imaps._tcp", zone, 0, servers.Imaps, host, "IMAP over TLS (RFC 6186)"),
            Srv("_imap._tcp", zone, 10, servers.Imap, host, "IMAP with STARTTLS (RFC 6186)"),
            Srv("_pop3s._tcp", zone, 10, servers.Pop3s, host, "POP3 over TLS (RFC 6186)"),
            Srv("_pop3._tcp", zone, 20, servers.Pop3, host, "POP3 with STARTTLS (RFC 6186)"),
            Srv("_submissions._tcp", zone, 0, servers.Submissions, host, "Submission over TLS (RFC 8314)"),
            Srv("_submission._tcp", zone, 10, servers.Submission, host, "Submission with STARTTLS (RFC 6186)"),
        ];
    }

    // RFC 6186 section 3.4: a service that is not offered is published with target "." (and port 0).
    private static DnsRecord Srv(string service, string zone, int priority, int port, string host, string purpose) =>
        port > 0
            ? new($"{service}.{zone}", "SRV", string.Create(CultureInfo.InvariantCulture, $"{priority} 1 {port} {host}"), purpose)
            : new($"{service}.{zone}", "SRV", "0 0 0 .", purpose + ": not offered");
}
