using HostingPanel.Data.Model;
using Microsoft.Extensions.Configuration;

namespace HostingPanel.Application.Domains;

/// <summary>
/// Names no tenant may add, whoever asks: the operator's reserved list (<c>Domains:Reserved:N</c>, by default the
/// large mail providers) and the product's own host names (<c>Mail:Hostname</c>, the portal's host in <c>Urls</c>),
/// each with its subdomains. A reserved entry may use <c>*</c> for exactly one label (<c>gmx.*</c> is gmx.de, gmx.net...).
/// </summary>
public sealed class DomainNamePolicy
{
    /// <summary>The default reserved list: the providers whose users' mail a hostile tenant would most like to catch.</summary>
    public static readonly IReadOnlyList<string> DefaultReserved =
    [
        "gmail.com", "googlemail.com", "google.com",
        "outlook.com", "hotmail.com", "hotmail.*", "live.com", "live.*", "msn.com", "microsoft.com", "office365.com",
        "yahoo.com", "yahoo.*", "ymail.com", "rocketmail.com",
        "icloud.com", "me.com", "mac.com", "apple.com",
        "aol.com", "aim.com",
        "gmx.*", "gmx.co.uk", "web.de", "t-online.de", "freenet.de", "mail.com",
        "proton.me", "protonmail.com", "protonmail.ch", "pm.me",
        "yandex.ru", "yandex.com", "mail.ru", "zoho.com", "fastmail.com", "tutanota.com", "tuta.io",
        "qq.com", "163.com", "126.com", "comcast.net", "orange.fr", "free.fr", "libero.it",
    ];

    private readonly IReadOnlyList<string[]> _reserved;
    private readonly IReadOnlyList<string> _ownHosts;

    public DomainNamePolicy(IConfiguration configuration)
    {
        var configured = configuration.GetSection("Domains:Reserved").GetChildren().Select(c => c.Value).Where(v => !string.IsNullOrWhiteSpace(v)).ToList();
        // A configured list replaces the default (so an operator can drop a name it hosts itself).
        _reserved = (configured.Count > 0 ? configured! : DefaultReserved)
            .Select(e => e!.Trim().TrimEnd('.').ToLowerInvariant().Split('.')).ToList();
        _ownHosts = OwnHostNames(configuration);
    }

    /// <summary>The product's own names: <c>Mail:Hostname</c> and the host names (not addresses) in <c>Urls</c>.</summary>
    public IReadOnlyList<string> OwnHosts => _ownHosts;

    /// <summary>Why <paramref name="name"/> cannot be added, or null when the policy allows it.</summary>
    public string? Refusal(DomainName name)
    {
        var labels = name.Value.Split('.');
        if (_reserved.FirstOrDefault(entry => IsAtOrUnder(labels, entry)) is { } hit)
            return $"{name.Value} is reserved (the operator's list of names no customer may add, such as the large mail providers' {string.Join('.', hit)}).";
        foreach (var host in _ownHosts)
        {
            var hostLabels = host.Split('.');
            if (IsAtOrUnder(labels, hostLabels) || IsAtOrUnder(hostLabels, labels))
                return $"{name.Value} is one of this server's own names ({host}) or a parent or subdomain of one; it cannot be added.";
        }
        return null;
    }

    /// <summary>Whether <paramref name="labels"/> equals <paramref name="entry"/> or is a subdomain of it; "*" matches one label.</summary>
    private static bool IsAtOrUnder(string[] labels, string[] entry)
    {
        if (labels.Length < entry.Length) return false;
        var offset = labels.Length - entry.Length;
        for (var i = 0; i < entry.Length; i++)
            if (entry[i] != "*" && entry[i] != labels[offset + i]) return false;
        return true;
    }

    private static IReadOnlyList<string> OwnHostNames(IConfiguration configuration)
    {
        var hosts = new List<string>();
        void Add(string? host)
        {
            if (string.IsNullOrWhiteSpace(host)) return;
            host = host.Trim().TrimEnd('.').ToLowerInvariant();
            // Single labels (localhost) and addresses are not domain names a tenant could add anyway.
            if (!host.Contains('.') || System.Net.IPAddress.TryParse(host, out _) || host is "*" or "+") return;
            if (DomainName.TryParse(host, out var parsed, out _) && !hosts.Contains(parsed!.Value)) hosts.Add(parsed.Value);
        }
        Add(configuration["Mail:Hostname"]);
        foreach (var url in (configuration["Urls"] ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (Uri.TryCreate(url.Replace("://*", "://any-host").Replace("://+", "://any-host"), UriKind.Absolute, out var uri) && uri.Host != "any-host")
                Add(uri.Host);
        }
        return hosts;
    }
}
