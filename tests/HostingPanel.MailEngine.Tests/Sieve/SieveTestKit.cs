using System.Text;
using HostingPanel.MailEngine.Sieve;

namespace HostingPanel.MailEngine.Tests.Sieve;

internal static class SieveTestKit
{
    public const string DefaultMessage =
        "From: Alice <alice@example.org>\r\n" +
        "To: Me <me@example.com>\r\n" +
        "Subject: Hello there\r\n" +
        "Message-ID: <m1@example.org>\r\n" +
        "Date: Fri, 27 Nov 2026 05:00:00 +0000\r\n" +
        "\r\n" +
        "Just a test.\r\n";

    public static SieveResult Run(string script, string? message = null, string from = "alice@example.org", string to = "me@example.com",
        SieveEnvironment? environment = null, SieveLimits? limits = null) =>
        SieveInterpreter.Run(SieveScript.Compile(script), SieveMessage.Parse(Encoding.UTF8.GetBytes(message ?? DefaultMessage), from, to), environment, limits);

    public static string[] Folders(this SieveResult result) => result.Folders.Select(f => f.Folder).ToArray();

    public static string Msg(string headers, string body = "Body.\r\n") => headers.ReplaceLineEndings("\r\n").TrimEnd() + "\r\n\r\n" + body;
}
