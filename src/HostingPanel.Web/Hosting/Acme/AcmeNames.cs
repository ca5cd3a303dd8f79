using System.Globalization;

namespace HostingPanel.Web.Hosting.Acme;

/// <summary>The host names to keep certificates for: validated DNS names (RFC 1035 labels), A-label form, no duplicates.</summary>
public static class AcmeNames
{
    private static readonly IdnMapping Idn = new();

    public static IReadOnlyList<string> Of(string hostname, IEnumerable<string> extra)
    {
        var names = new List<string>();
        foreach (var raw in extra.Prepend(hostname))
        {
            var name = Normalize(raw);
            if (!names.Contains(name, StringComparer.Ordinal)) names.Add(name);
        }
        return names;
    }

    /// <exception cref="ArgumentException">Not a host name an ACME CA could issue for (also: "localhost", an IP address, a wildcard).</exception>
    public static string Normalize(string raw)
    {
        var name = raw.Trim().TrimEnd('.');
        try
        {
            name = Idn.GetAscii(name).ToLowerInvariant();
        }
        catch (ArgumentException)
        {
            throw new ArgumentException($"Acme: '{raw}' is not a host name");
        }
        var labels = name.Split('.');
        if (labels.Length < 2 || name.Length > 253
            || labels.Any(l => l.Length is 0 or > 63 || l[0] == '-' || l[^1] == '-' || l.Any(c => !(char.IsAsciiLetterOrDigit(c) || c == '-')))
            || labels[^1].All(char.IsAsciiDigit))
            throw new ArgumentException($"Acme: '{raw}' is not a public host name (two labels or more, letters, digits and '-')");
        return name;
    }
}
