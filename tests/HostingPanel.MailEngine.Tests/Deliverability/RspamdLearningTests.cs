using System.Net;
using HostingPanel.MailEngine.Delivery.Rspamd;
using HostingPanel.MailEngine.Tests.Smtp;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Security;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;
using Xunit;

namespace HostingPanel.MailEngine.Tests.Deliverability;

/// <summary>
/// Moving mail into Junk or out of it teaches the real rspamd of <see cref="RspamdFixture"/> (Debian's rspamd with its
/// Bayes classifier on a redis of the test), through IMAP MOVE and COPY as a mail program (and the webmail) sends them.
/// The oracle is rspamd itself: after the product taught a message, teaching rspamd the same message the same way
/// answers 208 "already learned as spam/ham"; a message it was never taught answers 200.
/// </summary>
public sealed class RspamdLearningTests(RspamdFixture rspamd) : IClassFixture<RspamdFixture>
{
    private Task<EngineHost> StartAsync(int perHour = 100) => EngineHost.StartAsync(new()
    {
        ["Mail:Rspamd:Url"] = rspamd.Rspamd.Url,
        ["Mail:Rspamd:ControllerUrl"] = rspamd.Rspamd.ControllerUrl,
        ["Mail:Rspamd:LearnPerMailboxPerHour"] = perHour.ToString(System.Globalization.CultureInfo.InvariantCulture),
    });

    /// <summary>A message with a Message-ID of its own (rspamd remembers lessons by it) and enough words to learn from.</summary>
    private static MimeMessage Lesson(string tag)
    {
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse("offers@sender.example"));
        message.To.Add(MailboxAddress.Parse("bob@example.com"));
        message.Subject = "learning " + tag;
        message.MessageId = $"{tag}.{Guid.NewGuid():N}@sender.example";
        message.Body = new TextPart("plain")
        {
            Text = $"Message {tag} for the learning test: seventeen distinct words make enough tokens for the Bayes classifier to accept this lesson.",
        };
        return message;
    }

    private static async Task<ImapClient> ImapAsync(EngineHost engine)
    {
        var client = new ImapClient { Timeout = 30_000 };
        await client.ConnectAsync("127.0.0.1", engine.ImapPort, SecureSocketOptions.None);
        await client.AuthenticateAsync("bob@example.com", EngineHost.Password);
        return client;
    }

    private static async Task WaitForLessonsAsync(EngineHost engine, long learnt)
    {
        var learning = engine.Services.GetRequiredService<RspamdLearning>();
        await SmtpTestKit.EventuallyAsync(() => Task.FromResult(learning.Waiting == 0 && learning.Learnt + learning.Refused + learning.Failed >= learnt),
            $"{learnt} lesson(s) sent to rspamd", timeoutMs: 60_000);
        Assert.Equal(0, learning.Failed);
    }

    /// <summary>rspamd's answer to teaching it <paramref name="message"/> once more (208: it had already learnt it that way).</summary>
    private async Task<(HttpStatusCode Status, string Body)> TeachAgainAsync(MimeMessage message, SpamLesson kind)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        using var body = new MemoryStream();
        await message.WriteToAsync(body);
        using var response = await http.PostAsync($"{rspamd.Rspamd.ControllerUrl}/{(kind == SpamLesson.Spam ? "learnspam" : "learnham")}", new ByteArrayContent(body.ToArray()));
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task MoveAndCopyIntoJunk_TeachSpam_MoveOutOfJunk_TeachesHam_IntoTrash_TeachesNothing()
    {
        await using var engine = await StartAsync();
        await engine.CreateMailboxAsync("bob@example.com");
        var moved = Lesson("moved");
        var copied = Lesson("copied");
        var deleted = Lesson("deleted");
        using var imap = await ImapAsync(engine);
        var inbox = imap.Inbox;
        var junk = await imap.GetFolderAsync("Junk");
        var trash = await imap.GetFolderAsync("Trash");
        foreach (var m in new[] { moved, copied, deleted })
            await inbox.AppendAsync(m);
        await inbox.OpenAsync(FolderAccess.ReadWrite);
        var uids = await inbox.SearchAsync(MailKit.Search.SearchQuery.All);

        // UID MOVE (RFC 6851) of the first, UID COPY of the second: both into Junk, both learnt as spam.
        var movedUid = await inbox.MoveToAsync(uids[0], junk);
        await inbox.CopyToAsync(uids[1], junk);
        await WaitForLessonsAsync(engine, 2);
        var stored = await engine.Store.GetMessageAsync((await engine.Store.GetFolderAsync((await engine.Directory.FindMailboxAsync("bob@example.com"))!.Id, "Junk"))!.Id, movedUid!.Value.Id);
        Assert.NotNull(stored);
        var again = await TeachAgainAsync(await LoadAsync(engine, stored!), SpamLesson.Spam);
        Assert.Equal(HttpStatusCode.AlreadyReported, again.Status);
        Assert.Contains("already learned as spam", again.Body);
        Assert.Equal(HttpStatusCode.AlreadyReported, (await TeachAgainAsync(copied, SpamLesson.Spam)).Status);

        // Out of Junk into INBOX: the user says it was wanted, ham.
        await junk.OpenAsync(FolderAccess.ReadWrite);
        await junk.MoveToAsync(movedUid.Value, inbox);
        await WaitForLessonsAsync(engine, 3);
        again = await TeachAgainAsync(moved, SpamLesson.Ham);
        Assert.Equal(HttpStatusCode.AlreadyReported, again.Status);
        Assert.Contains("already learned as ham", again.Body);

        // Into Trash from INBOX, and the copied spam from Junk to Trash: deleting says nothing either way.
        var learning = engine.Services.GetRequiredService<RspamdLearning>();
        var before = learning.Learnt + learning.Refused;
        await junk.MoveToAsync((await junk.SearchAsync(MailKit.Search.SearchQuery.All))[0], trash);
        await inbox.OpenAsync(FolderAccess.ReadWrite);
        var deletedUid = (await inbox.SearchAsync(MailKit.Search.SearchQuery.SubjectContains("learning deleted")))[0];
        await inbox.MoveToAsync(deletedUid, trash);
        Assert.Equal(0, learning.Waiting);
        Assert.Equal(before, learning.Learnt + learning.Refused);
        Assert.Equal(HttpStatusCode.OK, (await TeachAgainAsync(deleted, SpamLesson.Ham)).Status); // never taught before
        await imap.DisconnectAsync(true);
    }

    [Fact]
    public async Task AHostileUser_MovingManyMessagesIntoJunk_TeachesOnlyItsHourlyBudget()
    {
        await using var engine = await StartAsync(perHour: 2);
        await engine.CreateMailboxAsync("bob@example.com");
        var lessons = Enumerable.Range(0, 5).Select(i => Lesson("flood" + i)).ToList();
        using var imap = await ImapAsync(engine);
        foreach (var m in lessons)
            await imap.Inbox.AppendAsync(m);
        await imap.Inbox.OpenAsync(FolderAccess.ReadWrite);
        var junk = await imap.GetFolderAsync("Junk");
        // One MOVE of all five: the move itself works for every message.
        await imap.Inbox.MoveToAsync(await imap.Inbox.SearchAsync(MailKit.Search.SearchQuery.All), junk);
        await WaitForLessonsAsync(engine, 2);
        var learning = engine.Services.GetRequiredService<RspamdLearning>();
        Assert.Equal(2, learning.Learnt);
        Assert.Equal(3, learning.Skipped);
        await junk.StatusAsync(StatusItems.Count);
        Assert.Equal(5, junk.Count);
        Assert.Equal(HttpStatusCode.AlreadyReported, (await TeachAgainAsync(lessons[0], SpamLesson.Spam)).Status);
        Assert.Equal(HttpStatusCode.OK, (await TeachAgainAsync(lessons[4], SpamLesson.Spam)).Status); // past the budget: never taught
        await imap.DisconnectAsync(true);
    }

    private static async Task<MimeMessage> LoadAsync(EngineHost engine, Storage.StoredMessage stored)
    {
        await using var body = engine.Store.OpenBody(stored);
        return await MimeMessage.LoadAsync(body);
    }
}
