using System.Text;
using HostingPanel.MailEngine.Tests.ImapServer;
using HostingPanel.MailEngine.Tests.Smtp;

namespace HostingPanel.MailEngine.Tests.Reliability;

/// <summary>One SMTP transaction and one IMAP APPEND over real sockets, returning the server's final answer.</summary>
internal static class ReliabilityWire
{
    /// <summary>Sends one message to the MX listener; returns the reply to the end of DATA (or the first refusal).</summary>
    public static async Task<string> SmtpDeliverAsync(int port, string to, string message)
    {
        await using var c = await RawSmtpClient.ConnectAsync(port);
        await c.ReadReplyAsync();
        await c.CommandAsync("EHLO reliability.example");
        var mail = await c.CommandAsync("MAIL FROM:<sender@example.org>") ?? "closed";
        if (!mail.StartsWith("250", StringComparison.Ordinal))
            return mail;
        var rcpt = await c.CommandAsync($"RCPT TO:<{to}>") ?? "closed";
        if (!rcpt.StartsWith("250", StringComparison.Ordinal))
            return rcpt;
        var data = await c.CommandAsync("DATA") ?? "closed";
        if (!data.StartsWith("354", StringComparison.Ordinal))
            return data;
        await c.WriteAsync(message.TrimEnd('\r', '\n') + "\r\n.\r\n");
        var reply = await c.ReadReplyAsync(30_000) ?? "closed";
        await c.WriteAsync("QUIT\r\n");
        return reply;
    }

    /// <summary>APPENDs one message with a synchronizing literal; returns the tagged reply line.</summary>
    public static async Task<string> ImapAppendAsync(ImapWire wire, string tag, string folder, string message)
    {
        var bytes = Encoding.UTF8.GetBytes(message);
        await wire.SendAsync($"{tag} APPEND {folder} {{{bytes.Length}}}\r\n");
        var go = await wire.ReadLineAsync();
        if (go is null || !go.StartsWith('+'))
            return go ?? "closed";
        await wire.SendRawAsync([.. bytes, (byte)'\r', (byte)'\n']);
        return (await wire.ReadUntilTaggedAsync(tag)).LastOrDefault() ?? "closed";
    }

    public static string Message(string subject, int bodyBytes = 200)
    {
        var body = new StringBuilder();
        while (body.Length < bodyBytes)
            body.Append("The quick brown fox jumps over the lazy dog.\r\n");
        return $"From: sender@example.org\r\nTo: someone@example.com\r\nSubject: {subject}\r\nMessage-ID: <{Guid.NewGuid():N}@example.org>\r\n\r\n{body}";
    }
}
