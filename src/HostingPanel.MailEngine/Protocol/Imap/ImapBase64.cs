namespace HostingPanel.MailEngine.Protocol.Imap;

internal static class ImapBase64
{
    /// <remarks><code>base64 = *(4base64-char) [base64-terminal]</code></remarks>
    public static bool IsValid(string text)
    {
        if (text.Length % 4 != 0)
        {
            return false;
        }

        var padding = 0;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '=')
            {
                padding++;
                continue;
            }

            if (padding > 0 || !(char.IsAsciiLetterOrDigit(c) || c == '+' || c == '/'))
            {
                return false;
            }
        }

        return padding <= 2;
    }
}
