using HostingPanel.MailEngine.Tests.Smtp;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Security;
using MimeKit;

namespace HostingPanel.MailEngine.Tests.Imap;

/// <summary>
/// Issue 16.11: the product's own delivery status notification (RFC 3464 multipart/report, its third
/// part text/rfc822-headers, RFC 6522) had an invalid BODYSTRUCTURE: MimeKit models text/rfc822-headers
/// as an encapsulated message, and the writers described it as message/rfc822 (envelope and nested
/// body after a text type). MailKit then failed on the whole FETCH, and webmail answered 500 for the folder.
/// </summary>
public sealed class DsnBodyStructureTests
{
    [Fact]
    public async Task Rfc6522_OwnBounce_TextRfc822HeadersPart_IsATextBody_ThatMailKitParses()
    {
        await using var engine = await EngineHost.StartAsync();
        await engine.CreateMailboxAsync("adam@example.com");
        await engine.CreateMailboxAsync("betty@example.com", quotaBytes: 400);
        var carol = await engine.CreateMailboxAsync("carol@example.com");
        // betty's mailbox has room at RCPT but not for this message: a mixed outcome, so a DSN goes to adam.
        using (var smtp = await SmtpTestKit.ConnectAsync(engine.SubmissionPort, user: "adam@example.com"))
        {
            await smtp.SendAsync(SmtpTestKit.Message("adam@example.com", "betty@example.com, carol@example.com", "too big for betty", new string('b', 2000)));
            await smtp.DisconnectAsync(true);
        }
        Assert.Single(await SmtpTestKit.InboxAsync(engine, carol));

        using var imap = new ImapClient();
        await imap.ConnectAsync("127.0.0.1", engine.ImapPort, SecureSocketOptions.None);
        await imap.AuthenticateAsync("adam@example.com", EngineHost.Password);
        await imap.Inbox.OpenAsync(FolderAccess.ReadOnly);
        Assert.Equal(1, imap.Inbox.Count);
        foreach (var items in new[] { MessageSummaryItems.BodyStructure, MessageSummaryItems.Body })
        {
            var summary = Assert.Single(await imap.Inbox.FetchAsync(0, -1, items | MessageSummaryItems.Envelope | MessageSummaryItems.UniqueId));
            Assert.Equal("Undelivered Mail Returned to Sender", summary.Envelope!.Subject);
            var report = Assert.IsType<BodyPartMultipart>(summary.Body);
            Assert.True(report.ContentType.IsMimeType("multipart", "report"));
            Assert.Equal(3, report.BodyParts.Count);
            var headers = Assert.IsType<BodyPartText>(report.BodyParts[2]);
            Assert.True(headers.ContentType.IsMimeType("text", "rfc822-headers"));
            Assert.Equal("3", headers.PartSpecifier);
            Assert.True(headers.Lines > 0);

            // The part's content is the failed message's header section, served as text.
            var content = await imap.Inbox.GetBodyPartAsync(summary.UniqueId, headers);
            Assert.Equal("too big for betty", Assert.IsType<TextRfc822Headers>(content).Message!.Subject);
        }
        // The whole message still parses as MimeKit's own model of a report.
        var whole = await imap.Inbox.GetMessageAsync(0);
        Assert.IsType<TextRfc822Headers>(((Multipart)whole.Body!)[2]);
    }
}
