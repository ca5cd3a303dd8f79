using System.Globalization;
using System.Text;
using System.Xml;
using System.Xml.Linq;
using HostingPanel.Web.Features.Shared;

namespace HostingPanel.Web.Features.Autoconfig;

/// <summary>
/// Mail client auto-configuration documents, built with XDocument (every value is XML-encoded), and
/// the safe reading of Outlook's Autodiscover request.
/// </summary>
public static class MailClientConfig
{
    /// <summary>Largest Autodiscover request body read; Outlook's requests are a few hundred bytes.</summary>
    public const int MaxRequestBytes = 64 * 1024;

    public static readonly XNamespace AutodiscoverResponse = "http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006";
    public static readonly XNamespace OutlookResponse = "http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a";

    /// <summary>Thunderbird's config-v1.1.xml (https://wiki.mozilla.org/Thunderbird:Autoconfiguration:ConfigFileFormat).</summary>
    public static XDocument Thunderbird(string domain, MailServers s)
    {
        var provider = new XElement("emailProvider", new XAttribute("id", domain),
            new XElement("domain", domain),
            new XElement("displayName", $"Mail for {domain}"),
            new XElement("displayShortName", domain));
        // Implicit TLS first (RFC 8314); a listener configured with port 0 is not offered.
        provider.Add(Server("incomingServer", "imap", s.Hostname, s.Imaps, "SSL"));
        provider.Add(Server("incomingServer", "imap", s.Hostname, s.Imap, "STARTTLS"));
        provider.Add(Server("incomingServer", "pop3", s.Hostname, s.Pop3s, "SSL"));
        provider.Add(Server("incomingServer", "pop3", s.Hostname, s.Pop3, "STARTTLS"));
        provider.Add(Server("outgoingServer", "smtp", s.Hostname, s.Submissions, "SSL"));
        provider.Add(Server("outgoingServer", "smtp", s.Hostname, s.Submission, "STARTTLS"));
        return new XDocument(new XDeclaration("1.0", "utf-8", null), new XElement("clientConfig", new XAttribute("version", "1.1"), provider));
    }

    private static XElement? Server(string element, string type, string host, int port, string socketType) => port <= 0 ? null :
        new XElement(element, new XAttribute("type", type),
            new XElement("hostname", host),
            new XElement("port", port.ToString(CultureInfo.InvariantCulture)),
            new XElement("socketType", socketType),
            new XElement("authentication", "password-cleartext"),
            new XElement("username", "%EMAILADDRESS%"));

    /// <summary>Outlook's POX Autodiscover answer (the "outlook" response schema) for <paramref name="address"/>.</summary>
    public static XDocument Autodiscover(string address, MailServers s)
    {
        var account = new XElement(OutlookResponse + "Account",
            new XElement(OutlookResponse + "AccountType", "email"),
            new XElement(OutlookResponse + "Action", "settings"));
        account.Add(Protocol("IMAP", address, s.Hostname, s.Imaps, s.Imap));
        account.Add(Protocol("POP3", address, s.Hostname, s.Pop3s, s.Pop3));
        account.Add(Protocol("SMTP", address, s.Hostname, s.Submissions, s.Submission));
        return new XDocument(new XDeclaration("1.0", "utf-8", null),
            new XElement(AutodiscoverResponse + "Autodiscover", new XElement(OutlookResponse + "Response", account)));
    }

    // One entry per protocol: implicit TLS when it is offered, otherwise STARTTLS ("Encryption TLS").
    private static XElement? Protocol(string type, string address, string host, int tlsPort, int startTlsPort)
    {
        var implicitTls = tlsPort > 0;
        var port = implicitTls ? tlsPort : startTlsPort;
        if (port <= 0) return null;
        var n = OutlookResponse;
        return new XElement(n + "Protocol",
            new XElement(n + "Type", type),
            new XElement(n + "Server", host),
            new XElement(n + "Port", port.ToString(CultureInfo.InvariantCulture)),
            new XElement(n + "DomainRequired", "off"),
            new XElement(n + "LoginName", address),
            new XElement(n + "SPA", "off"),
            implicitTls ? new XElement(n + "SSL", "on") : new XElement(n + "Encryption", "TLS"),
            new XElement(n + "AuthRequired", "on"));
    }

    /// <summary>
    /// Reads the EMailAddress of an Autodiscover request. Null when the body is not well-formed XML, declares
    /// a DTD (no entity expansion, no external resolution: XXE), or has no address.
    /// </summary>
    public static string? ReadAutodiscoverAddress(byte[] body)
    {
        var settings = new XmlReaderSettings
        {
            DtdProcessing = DtdProcessing.Prohibit,
            XmlResolver = null,
            MaxCharactersInDocument = MaxRequestBytes,
            IgnoreComments = true,
            IgnoreProcessingInstructions = true,
        };
        try
        {
            using var stream = new MemoryStream(body, writable: false);
            using var reader = XmlReader.Create(stream, settings);
            var doc = XDocument.Load(reader);
            var address = doc.Descendants().FirstOrDefault(e => e.Name.LocalName == "EMailAddress")?.Value.Trim();
            return string.IsNullOrEmpty(address) ? null : address;
        }
        catch (XmlException)
        {
            return null;
        }
    }

    /// <summary>Serializes as UTF-8 bytes with the declaration.</summary>
    public static byte[] ToBytes(XDocument doc)
    {
        using var stream = new MemoryStream();
        using (var writer = XmlWriter.Create(stream, new XmlWriterSettings { Encoding = new UTF8Encoding(false), Indent = true }))
            doc.Save(writer);
        return stream.ToArray();
    }
}
