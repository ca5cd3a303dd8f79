using System.Text;

namespace HostingPanel.MailEngine.Protocol.ManageSieve;

/// <summary>Response syntax of RFC 5804 section 4: OK/NO/BYE with an optional code and a human-readable string.</summary>
internal static class ManageSieveReplies
{
    /// <summary>A string the client reads back: quoted when short and simple, else a literal.</summary>
    public static string String(string text)
    {
        if (text.Length <= ManageSieveCommandReader.MaxQuoted && !text.Contains('\r') && !text.Contains('\n') && !text.Contains('\0'))
            return "\"" + text.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
        return "{" + Encoding.UTF8.GetByteCount(text) + "}\r\n" + text;
    }

    public static string Ok(string? text = null, string? code = null) => Response("OK", code, text);

    public static string No(string text, string? code = null) => Response("NO", code, text);

    public static string Bye(string text, string? code = null) => Response("BYE", code, text);

    private static string Response(string kind, string? code, string? text)
    {
        var sb = new StringBuilder(kind);
        if (code is not null)
            sb.Append(" (").Append(code).Append(')');
        if (text is not null)
            sb.Append(' ').Append(String(text));
        return sb.Append("\r\n").ToString();
    }
}
