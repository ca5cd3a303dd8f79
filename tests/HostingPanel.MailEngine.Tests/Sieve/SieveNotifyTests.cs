using HostingPanel.MailEngine.Sieve;
using Xunit;

namespace HostingPanel.MailEngine.Tests.Sieve;

/// <summary>RFC 5435 (enotify) with the mailto method of RFC 5436, in the interpreter: the RFCs' examples and hostile URIs.</summary>
public sealed class SieveNotifyTests
{
    /// <summary>RFC 5435 section 9's examples (the mailto ones), with :importance and variables in :message.</summary>
    [Fact]
    public void Rfc5435_Examples_NotifyWithImportanceAndMessage_KeepsTheMail()
    {
        var result = SieveTestKit.Run("""
            require ["enotify", "fileinto", "variables"];
            if header :contains "from" "alice@example.org" {
                notify :importance "1" :message "This is probably very important" "mailto:alm@example.com";
            }
            if header :matches "Subject" "*" { set "subject" "${1}"; }
            if header :matches "From" "*" { set "from" "${1}"; }
            notify :importance "3" :message "[SIEVE] ${from}: ${subject}" "mailto:alm@example.com";
            """);
        Assert.Null(result.Error);
        // Notify does not cancel the implicit keep (RFC 5435 section 3).
        Assert.Equal(["INBOX"], result.Folders());
        Assert.Equal(2, result.Notifications.Count);
        Assert.Equal("1", result.Notifications[0].Importance);
        Assert.Equal(["alm@example.com"], result.Notifications[0].Mailto.To);
        Assert.Equal("[SIEVE] Alice <alice@example.org>: Hello there", result.Notifications[1].Message);
    }

    [Fact]
    public void Rfc5435_ValidNotifyMethod_AndNotifyMethodCapability()
    {
        var result = SieveTestKit.Run("""
            require ["enotify", "fileinto"];
            if valid_notify_method ["mailto:", "http://gw.example.net/notify?test"] { fileinto "A"; }
            if valid_notify_method "mailto:a@example.net?subject=hi" { fileinto "B"; }
            if valid_notify_method ["xmpp:tim@example.com?message;subject=SIEVE"] { fileinto "C"; }
            if notify_method_capability "mailto:a@example.net" "Online" "maybe" { fileinto "D"; }
            if notify_method_capability "mailto:a@example.net" "online" "yes" { fileinto "E"; }
            if notify_method_capability "xmpp:tim@example.com" "online" ["yes", "no", "maybe"] { fileinto "F"; }
            if notify_method_capability "mailto:a@example.net" "reachable" "maybe" { fileinto "G"; }
            """);
        Assert.Null(result.Error);
        Assert.Equal(["B", "D"], result.Folders().Order());
    }

    /// <summary>RFC 5435 section 6: the :encodeurl modifier of set, for building URIs from message content.</summary>
    [Fact]
    public void Rfc5435_EncodeUrl_PercentEncodes_SoAHeaderCannotAddFields()
    {
        var message = SieveTestKit.Msg("From: x@y.example\nSubject: a&cc=evil@attacker.example b");
        var result = SieveTestKit.Run("""
            require ["enotify", "variables"];
            if header :matches "subject" "*" { set :encodeurl "s" "${1}"; }
            notify "mailto:me@example.net?subject=${s}";
            """, message);
        var note = Assert.Single(result.Notifications);
        Assert.Equal(["me@example.net"], note.Mailto.To);
        Assert.Empty(note.Mailto.Cc);
        Assert.Equal("a&cc=evil@attacker.example b", note.Mailto.Subject);
        Assert.Contains("needs require \"enotify\"",
            Assert.Throws<SieveCompileException>(() => SieveScript.Compile("require \"variables\"; set :encodeurl \"a\" \"b\";")).Message);
    }

    /// <summary>Attacker: header fields in the URI never reach the notification except subject and body; no line breaks.</summary>
    [Fact]
    public void MailtoUri_OnlyRecipientsSubjectAndBody_NoHeaderInjection()
    {
        var uri = SieveMailto.Parse("mailto:a@example.net,b@example.net?cc=c@example.net&bcc=d@example.net&from=boss@bank.example"
            + "&subject=Hi%0D%0ABcc:%20x@evil.example&body=line1%0D%0Aline2&auto-submitted=no&received=forged", out var error);
        Assert.Null(error);
        Assert.Equal(["a@example.net", "b@example.net"], uri!.To);
        Assert.Equal(["c@example.net"], uri.Cc);
        Assert.Equal("Hi  Bcc: x@evil.example", uri.Subject);
        Assert.Equal("line1\r\nline2", uri.Body);
    }

    [Theory]
    [InlineData("mailto:", "names no recipient")]
    [InlineData("mailto:not-an-address", "invalid address")]
    [InlineData("mailto:a@example.net?subject", "invalid header field")]
    [InlineData("mailto:a@example.net?subject=%zz", "invalid %-encoding")]
    [InlineData("tel:+14085551212", "unsupported notification method")]
    [InlineData("mailto:a%3Cb%3E@example.net", "invalid address")]
    public void MailtoUri_Invalid_IsRefusedWithAReason(string uri, string error)
    {
        Assert.Null(SieveMailto.Parse(uri, out var why));
        Assert.Contains(error, why);
    }

    [Fact]
    public void MailtoUri_MoreThanEightRecipients_IsRefused()
    {
        var nine = "mailto:" + string.Join(",", Enumerable.Range(1, 9).Select(i => $"r{i}@example.net"));
        Assert.Contains("more than 8 recipients", SieveMailto.Parse(nine, out var error) is null ? error : "parsed");
        var split = "mailto:" + string.Join(",", Enumerable.Range(1, 5).Select(i => $"r{i}@example.net")) + "?cc=" + string.Join(",", Enumerable.Range(6, 4).Select(i => $"r{i}@example.net"));
        Assert.Contains("more than 8 recipients", SieveMailto.Parse(split, out error) is null ? error : "parsed");
    }

    /// <summary>Attacker: a flood of notify actions. Duplicates collapse; past the limit the run fails and the mail is kept.</summary>
    [Fact]
    public void NotifyFlood_DuplicatesCollapse_MoreThanTheLimitKeepsTheMail()
    {
        var same = SieveTestKit.Run("require \"enotify\"; notify \"mailto:a@example.net\"; notify \"mailto:a@example.net\"; discard;");
        Assert.Single(same.Notifications);
        var flood = SieveTestKit.Run("require \"enotify\"; discard; " + string.Concat(Enumerable.Range(0, 5).Select(i => $"notify \"mailto:a{i}@example.net\"; ")));
        Assert.Contains("more than 4 notifications", flood.Error);
        Assert.Empty(flood.Notifications);
        Assert.Equal(["INBOX"], flood.Folders());
        // A URI built from variables is checked when it runs: a runtime error, the mail kept.
        var variable = SieveTestKit.Run("require [\"enotify\", \"variables\"]; set \"u\" \"tel:1\"; notify \"${u}\";");
        Assert.Contains("unsupported notification method", variable.Error);
    }

    [Theory]
    [InlineData("notify \"mailto:a@example.net\";", "needs require \"enotify\"")]
    [InlineData("require \"enotify\"; notify \"tel:+14085551212\";", "unsupported notification method")]
    [InlineData("require \"enotify\"; notify :importance \"4\" \"mailto:a@example.net\";", ":importance must be")]
    [InlineData("require \"enotify\"; notify :from \"not an address\" \"mailto:a@example.net\";", "invalid :from address")]
    [InlineData("require \"enotify\"; notify :method \"mailto:a@example.net\";", "unknown tag ':method'")]
    [InlineData("require \"enotify\"; if valid_notify_method { keep; }", "usage: valid_notify_method")]
    [InlineData("require \"enotify\"; if notify_method_capability \"mailto:a@b.c\" \"online\" { keep; }", "usage: notify_method_capability")]
    public void CompileErrors_NameTheProblem(string script, string error)
    {
        var e = Assert.Throws<SieveCompileException>(() => SieveScript.Compile(script));
        Assert.Contains(error, e.Message);
    }

    [Fact]
    public void NoNotification_ForAutoSubmittedMail()
    {
        var auto = SieveMessage.Parse(System.Text.Encoding.UTF8.GetBytes(SieveTestKit.Msg("From: a@b.example\nAuto-Submitted: auto-replied")), "a@b.example", "me@example.com");
        Assert.Equal("auto-submitted message", SieveNotifier.ReasonNotToNotify(auto));
        var notified = SieveMessage.Parse(System.Text.Encoding.UTF8.GetBytes(SieveTestKit.Msg("From: a@b.example\nAuto-Submitted: auto-notified")), "", "me@example.com");
        Assert.NotNull(SieveNotifier.ReasonNotToNotify(notified));
        var human = SieveMessage.Parse(System.Text.Encoding.UTF8.GetBytes(SieveTestKit.Msg("From: a@b.example\nAuto-Submitted: no")), "a@b.example", "me@example.com");
        Assert.Null(SieveNotifier.ReasonNotToNotify(human));
    }
}
