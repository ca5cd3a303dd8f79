using MailKit;
using MailKit.Net.Imap;
using MailKit.Net.Smtp;
using MimeKit;

namespace HostingPanel.Web.Webmail;

/// <summary>
/// Writing mail: the form's start for a reply or forward, drafts in Drafts (APPEND), sending through
/// the engine's submission port with the user's own credentials (so the engine's sender check applies),
/// and a copy in Sent. A full mailbox still sends; only the Sent copy is refused, and the user is told.
/// </summary>
public sealed class WebmailComposer(ImapConnectionPool pool, MailEndpoints endpoints)
{
    public Task<ComposeStart?> StartAsync(WebmailCredentials who, ComposeMode mode, string folderPath, uint uid, IReadOnlyCollection<string> ownAddresses, CancellationToken ct) =>
        pool.RunAsync<ComposeStart?>(who, async (client, t) =>
        {
            var folder = await ImapFolders.OpenAsync(client, folderPath, FolderAccess.ReadWrite, t);
            var found = await folder.FetchAsync([new UniqueId(uid)], MessageSummaryItems.UniqueId | MessageSummaryItems.Envelope | MessageSummaryItems.BodyStructure | MessageSummaryItems.References, t);
            if (found.Count == 0) return null;
            var s = found[0];
            var e = s.Envelope ?? new Envelope();
            var text = await BodyTextAsync(folder, s, t);
            if (mode == ComposeMode.Draft)
            {
                var draft = await folder.GetMessageAsync(s.UniqueId, t);
                return new ComposeStart(Join(e.To), Join(e.Cc), Join(draft.Bcc), e.Subject ?? "", text, e.InReplyTo is null ? null : "<" + e.InReplyTo + ">",
                    draft.References.Count == 0 ? null : string.Join(" ", draft.References.Select(r => "<" + r + ">")),
                    [], e.From.Mailboxes.FirstOrDefault()?.Address);
            }
            var when = e.Date?.ToString("yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture) ?? "";
            if (mode == ComposeMode.Forward)
            {
                var header = $"\n\n-------- Forwarded message --------\nFrom: {Join(e.From)}\nDate: {when}\nSubject: {e.Subject}\nTo: {Join(e.To)}\n\n";
                return new ComposeStart("", "", "", Prefixed("Fwd: ", e.Subject), header + text, null, null,
                    s.Attachments.Select(a => new AttachmentItem(a.PartSpecifier, a.FileName ?? "attachment", a.ContentType.MimeType, a.Octets)).ToList());
            }
            var replyTo = e.ReplyTo.Count > 0 ? e.ReplyTo : e.From;
            var to = replyTo.Mailboxes.ToList();
            var cc = new List<MailboxAddress>();
            if (mode == ComposeMode.ReplyAll)
            {
                bool Own(MailboxAddress m) => ownAddresses.Contains(m.Address, StringComparer.OrdinalIgnoreCase);
                var seen = new HashSet<string>(to.Select(m => m.Address), StringComparer.OrdinalIgnoreCase);
                foreach (var m in e.To.Mailboxes.Concat(e.Cc.Mailboxes))
                    if (!Own(m) && seen.Add(m.Address)) cc.Add(m);
                to.RemoveAll(m => Own(m) && to.Count > 1);
            }
            var quoted = $"\n\nOn {when}, {Join(e.From)} wrote:\n" + string.Join("\n", text.Split('\n').Select(l => "> " + l.TrimEnd('\r')));
            var messageId = e.MessageId is null ? null : "<" + e.MessageId + ">";
            var references = string.Join(" ", (s.References ?? []).Select(r => "<" + r + ">").Append(messageId).Where(r => r is not null));
            return new ComposeStart(string.Join(", ", to.Select(m => m.ToString())), string.Join(", ", cc.Select(m => m.ToString())), "",
                Prefixed("Re: ", e.Subject), quoted, messageId, references.Length == 0 ? null : references, []);
        }, ct);

    public async Task<WebmailResult> SendAsync(WebmailCredentials who, OutgoingMessage outgoing, CancellationToken ct)
    {
        var message = await BuildAsync(who, outgoing, ct);
        var endpoint = endpoints.Submission();
        using (var smtp = new SmtpClient { Timeout = 60_000, ServerCertificateValidationCallback = endpoints.ValidateCertificate })
        {
            try
            {
                await smtp.ConnectAsync(endpoint.Host, endpoint.Port, endpoint.Security, ct);
                await smtp.AuthenticateAsync(who.Address, who.Password, ct);
                await smtp.SendAsync(message, ct);
                await smtp.DisconnectAsync(true, ct);
            }
            catch (SmtpCommandException e)
            {
                return WebmailResult.Error($"The mail server did not accept the message: {e.Message}");
            }
            catch (Exception e) when (e is MailKit.Security.AuthenticationException or IOException or System.Net.Sockets.SocketException or SmtpProtocolException)
            {
                return WebmailResult.Error("The mail could not be sent: the mail server is not reachable or refused the login. Nothing was sent.");
            }
        }

        return await pool.RunAsync(who, async (client, t) =>
        {
            var note = "Message sent.";
            var sent = ImapFolders.Special(client, SpecialFolder.Sent);
            if (sent is not null)
            {
                try { await sent.AppendAsync(new AppendRequest(message, MessageFlags.Seen), t); }
                catch (ImapCommandException e) when (ImapFolders.IsOverQuota(e))
                {
                    note = "Message sent, but your mailbox is full, so no copy was saved in Sent. Delete some mail or empty Trash to make room.";
                }
            }
            await MarkAnsweredAsync(client, outgoing, t);
            await DeleteDraftAsync(client, outgoing.DraftUid, t);
            return WebmailResult.Ok(note);
        }, ct);
    }

    /// <summary>Saves to Drafts (replacing the draft it was opened from); the new draft's UID when the server tells it.</summary>
    public async Task<(WebmailResult Result, string? Folder, uint? DraftUid)> SaveDraftAsync(WebmailCredentials who, OutgoingMessage outgoing, CancellationToken ct)
    {
        var message = await BuildAsync(who, outgoing, ct);
        return await pool.RunAsync(who, async (client, t) =>
        {
            var drafts = ImapFolders.Special(client, SpecialFolder.Drafts);
            if (drafts is null) return (WebmailResult.Error("This mailbox has no Drafts folder."), (string?)null, (uint?)null);
            UniqueId? uid;
            try { uid = await drafts.AppendAsync(new AppendRequest(message, MessageFlags.Seen | MessageFlags.Draft), t); }
            catch (ImapCommandException e) when (ImapFolders.IsOverQuota(e))
            {
                return (WebmailResult.Error("Your mailbox is full, so the draft could not be saved. Delete some mail or empty Trash to make room."), null, null);
            }
            await DeleteDraftAsync(client, outgoing.DraftUid, t);
            return (WebmailResult.Ok("Draft saved."), drafts.FullName, uid?.Id);
        }, ct);
    }

    private async Task<MimeMessage> BuildAsync(WebmailCredentials who, OutgoingMessage o, CancellationToken ct)
    {
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(o.From));
        if (!string.IsNullOrWhiteSpace(o.To)) message.To.AddRange(InternetAddressList.Parse(o.To));
        if (!string.IsNullOrWhiteSpace(o.Cc)) message.Cc.AddRange(InternetAddressList.Parse(o.Cc));
        if (!string.IsNullOrWhiteSpace(o.Bcc)) message.Bcc.AddRange(InternetAddressList.Parse(o.Bcc));
        message.Subject = o.Subject;
        message.Date = DateTimeOffset.Now;
        message.MessageId = MimeKit.Utils.MimeUtils.GenerateMessageId(who.Address[(who.Address.IndexOf('@') + 1)..]);
        if (!string.IsNullOrEmpty(o.InReplyTo)) message.InReplyTo = o.InReplyTo.Trim('<', '>', ' ');
        if (!string.IsNullOrEmpty(o.References))
            foreach (var id in MimeKit.Utils.MimeUtils.EnumerateReferences(o.References)) message.References.Add(id);

        var builder = new BodyBuilder { TextBody = o.Body };
        foreach (var a in o.Attachments)
        {
            var part = builder.Attachments.Add(a.FileName, a.Content, ContentType.TryParse(a.ContentType, out var type) ? type : new ContentType("application", "octet-stream"));
            // Base64 keeps the file's bytes exactly (a text/* part would otherwise get its line ends rewritten to CRLF).
            if (part is MimePart mime) mime.ContentTransferEncoding = ContentEncoding.Base64;
        }
        if (o.ForwardAttachments && o.SourceFolder is not null && o.SourceUid is { } uid)
            foreach (var part in await OriginalAttachmentsAsync(who, o.SourceFolder, uid, ct))
                builder.Attachments.Add(part);
        message.Body = builder.ToMessageBody();
        return message;
    }

    private Task<List<MimeEntity>> OriginalAttachmentsAsync(WebmailCredentials who, string folderPath, uint uid, CancellationToken ct) =>
        pool.RunAsync(who, async (client, t) =>
        {
            var folder = await ImapFolders.OpenAsync(client, folderPath, FolderAccess.ReadOnly, t);
            var summary = await WebmailReader.SummaryAsync(folder, uid, t);
            var parts = new List<MimeEntity>();
            if (summary is null) return parts;
            foreach (var a in summary.Attachments)
                parts.Add(await folder.GetBodyPartAsync(summary.UniqueId, a, t));
            return parts;
        }, ct);

    private static async Task MarkAnsweredAsync(ImapClient client, OutgoingMessage o, CancellationToken ct)
    {
        if (!o.IsReply || o.SourceFolder is null || o.SourceUid is not { } uid) return;
        try
        {
            var folder = await ImapFolders.OpenAsync(client, o.SourceFolder, FolderAccess.ReadWrite, ct);
            await folder.AddFlagsAsync(new UniqueId(uid), MessageFlags.Answered, true, ct);
        }
        catch (Exception e) when (e is FolderNotFoundException or ImapCommandException) { } // the original went away meanwhile
    }

    private static async Task DeleteDraftAsync(ImapClient client, uint? draftUid, CancellationToken ct)
    {
        if (draftUid is not { } uid || ImapFolders.Special(client, SpecialFolder.Drafts) is not { } drafts) return;
        await drafts.OpenAsync(FolderAccess.ReadWrite, ct);
        await drafts.AddFlagsAsync(new UniqueId(uid), MessageFlags.Deleted, true, ct);
        await drafts.ExpungeAsync([new UniqueId(uid)], ct);
    }

    private static async Task<string> BodyTextAsync(IMailFolder folder, IMessageSummary s, CancellationToken ct)
    {
        if (s.TextBody is { } text) return ((TextPart)await folder.GetBodyPartAsync(s.UniqueId, text, ct)).Text.Replace("\r\n", "\n").TrimEnd();
        if (s.HtmlBody is { } html) return WebmailReader.TextOfHtml(((TextPart)await folder.GetBodyPartAsync(s.UniqueId, html, ct)).Text);
        return "";
    }

    private static string Join(InternetAddressList list) => WebmailListing.Describe(list);

    private static string Prefixed(string prefix, string? subject)
    {
        subject ??= "";
        return subject.StartsWith(prefix.Trim(), StringComparison.OrdinalIgnoreCase) ? subject : prefix + subject;
    }
}
