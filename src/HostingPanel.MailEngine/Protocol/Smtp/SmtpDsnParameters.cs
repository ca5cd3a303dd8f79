using System.Text;

namespace HostingPanel.MailEngine.Protocol.Smtp;

/// <summary>RFC 3461 section 4.1: which notifications a recipient asked for.</summary>
[Flags]
public enum DsnNotify
{
    /// <summary>No NOTIFY parameter: the server's default, a report on failure only.</summary>
    Default = 0,
    Never = 1,
    Success = 2,
    Failure = 4,
    Delay = 8,
}

/// <summary>RFC 3461 section 4.3: what a failure report carries of the message.</summary>
public enum DsnReturn
{
    /// <summary>No RET parameter: the header section only (RFC 3461 leaves it to the server).</summary>
    Default,
    Full,
    Headers,
}

/// <summary>The DSN parameters of MAIL FROM (RFC 3461 sections 4.3 and 4.4).</summary>
/// <param name="EnvelopeId">ENVID, decoded from xtext; echoed as Original-Envelope-Id.</param>
/// <param name="RequireTls">
/// MAIL FROM's REQUIRETLS (RFC 8689 section 3), kept with the envelope's other MAIL parameters: the message may only
/// be relayed over TLS verified by DANE or MTA-STS to a next hop that offers REQUIRETLS, else it is returned (5.7.30).
/// </param>
public sealed record DsnEnvelope(DsnReturn Return = DsnReturn.Default, string? EnvelopeId = null, bool RequireTls = false)
{
    public static readonly DsnEnvelope None = new();
}

/// <summary>The DSN parameters of one RCPT TO (RFC 3461 sections 4.1 and 4.2).</summary>
/// <param name="OriginalRecipient">ORCPT as "type;address", the address decoded from xtext; null when absent.</param>
public sealed record DsnRecipient(DsnNotify Notify = DsnNotify.Default, string? OriginalRecipient = null)
{
    public static readonly DsnRecipient None = new();

    /// <summary>Whether a report with this action (RFC 3464 2.3.3) is wanted; without NOTIFY only failures are reported.</summary>
    public bool Wants(DsnNotify what) =>
        Notify == DsnNotify.Default ? what == DsnNotify.Failure : (Notify & what) != 0;
}

/// <summary>
/// Parses and checks the DSN parameters of MAIL and RCPT lines (RFC 3461). SmtpServer 11.1.0 keeps MAIL's
/// parameters but drops RCPT's, so both are read here, from the command line, before the package parses it.
/// </summary>
/// <remarks>
/// <code>
/// notify-esmtp-value  = "NEVER" / 1#notify-list-element          ; RFC 3461 section 4.1
/// notify-list-element = "SUCCESS" / "FAILURE" / "DELAY"
/// orcpt-parameter     = "ORCPT=" original-recipient-address     ; section 4.2
/// original-recipient-address = addr-type ";" xtext
/// ret-parameter       = "RET=" ("FULL" / "HDRS")                ; section 4.3
/// envid-parameter     = "ENVID=" xtext                          ; section 4.4, at most 100 characters
/// xtext               = *( xchar / hexchar )                    ; section 4
/// hexchar             = "+" HEXDIG HEXDIG                       ; uppercase HEXDIG
/// </code>
/// </remarks>
public static class SmtpDsnParameters
{
    public const int MaxEnvelopeIdLength = 100;
    public const int MaxOriginalRecipientLength = 500;

    /// <summary>The DSN parameters of a MAIL line, or the reply (without CRLF) refusing them.</summary>
    public static (DsnEnvelope? Envelope, string? Refusal) ParseMail(string line)
    {
        var envelope = DsnEnvelope.None;
        foreach (var (keyword, value) in Parameters(line))
        {
            if (keyword.Equals("RET", StringComparison.OrdinalIgnoreCase))
            {
                var ret = value?.ToUpperInvariant() switch { "FULL" => DsnReturn.Full, "HDRS" => DsnReturn.Headers, _ => (DsnReturn?)null };
                if (ret is null)
                    return (null, "501 5.5.4 RET must be FULL or HDRS");
                envelope = envelope with { Return = ret.Value };
            }
            else if (keyword.Equals("REQUIRETLS", StringComparison.OrdinalIgnoreCase))
            {
                // RFC 8689 section 3: a keyword without a value.
                if (value is not null)
                    return (null, "501 5.5.4 REQUIRETLS takes no value");
                envelope = envelope with { RequireTls = true };
            }
            else if (keyword.Equals("ENVID", StringComparison.OrdinalIgnoreCase))
            {
                if (value is null || value.Length > MaxEnvelopeIdLength || DecodeXtext(value) is not { } id || !IsPrintableAscii(id))
                    return (null, $"501 5.5.4 ENVID must be xtext of at most {MaxEnvelopeIdLength} characters");
                envelope = envelope with { EnvelopeId = id };
            }
        }
        return (envelope, null);
    }

    /// <summary>The DSN parameters of a RCPT line, or the reply (without CRLF) refusing them.</summary>
    public static (DsnRecipient? Recipient, string? Refusal) ParseRcpt(string line)
    {
        var recipient = DsnRecipient.None;
        foreach (var (keyword, value) in Parameters(line))
        {
            if (keyword.Equals("NOTIFY", StringComparison.OrdinalIgnoreCase))
            {
                if (ParseNotify(value) is not { } notify)
                    return (null, "501 5.5.4 NOTIFY must be NEVER or a list of SUCCESS, FAILURE, DELAY");
                recipient = recipient with { Notify = notify };
            }
            else if (keyword.Equals("ORCPT", StringComparison.OrdinalIgnoreCase))
            {
                var semicolon = value?.IndexOf(';') ?? -1;
                var type = semicolon > 0 ? value![..semicolon] : "";
                var address = semicolon > 0 ? DecodeXtext(value![(semicolon + 1)..]) : null;
                if (address is null || address.Length == 0 || value!.Length > MaxOriginalRecipientLength || !type.All(char.IsAsciiLetterOrDigit)
                    || address.Any(char.IsControl))
                    return (null, "501 5.5.4 ORCPT must be addr-type;xtext");
                recipient = recipient with { OriginalRecipient = type.ToLowerInvariant() + ";" + address };
            }
        }
        return (recipient, null);
    }

    private static DsnNotify? ParseNotify(string? value)
    {
        if (string.IsNullOrEmpty(value))
            return null;
        var notify = DsnNotify.Default;
        foreach (var item in value.Split(','))
        {
            var flag = item.ToUpperInvariant() switch
            {
                "NEVER" => DsnNotify.Never,
                "SUCCESS" => DsnNotify.Success,
                "FAILURE" => DsnNotify.Failure,
                "DELAY" => DsnNotify.Delay,
                _ => (DsnNotify?)null,
            };
            if (flag is null || (notify & flag.Value) != 0)
                return null;
            notify |= flag.Value;
        }
        // NEVER stands alone (section 4.1).
        return (notify & DsnNotify.Never) != 0 && notify != DsnNotify.Never ? null : notify;
    }

    /// <summary>The esmtp parameters after the path of a MAIL or RCPT line (their syntax is checked by <see cref="SmtpEnvelopeParameters"/>).</summary>
    private static IEnumerable<(string Keyword, string? Value)> Parameters(string line)
    {
        var close = line.IndexOf('>');
        if (close < 0)
            yield break;
        foreach (var parameter in line[(close + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = parameter.IndexOf('=');
            yield return equals < 0 ? (parameter, null) : (parameter[..equals], parameter[(equals + 1)..]);
        }
    }

    /// <summary>RFC 3461 section 4: "+XX" is the byte XX (uppercase hex); null when malformed.</summary>
    public static string? DecodeXtext(string xtext)
    {
        var bytes = new List<byte>(xtext.Length);
        for (var i = 0; i < xtext.Length; i++)
        {
            var c = xtext[i];
            if (c == '+')
            {
                if (i + 2 >= xtext.Length || !IsUpperHex(xtext[i + 1]) || !IsUpperHex(xtext[i + 2]))
                    return null;
                bytes.Add(Convert.ToByte(xtext.Substring(i + 1, 2), 16));
                i += 2;
            }
            else if (c is >= '!' and <= '~' and not '=')
            {
                bytes.Add((byte)c);
            }
            else
            {
                return null;
            }
        }
        return Encoding.UTF8.GetString(bytes.ToArray());
    }

    /// <summary>RFC 3461 section 4: every byte outside "!".."~", and "+" and "=", as "+XX".</summary>
    public static string EncodeXtext(string text)
    {
        var sb = new StringBuilder(text.Length);
        foreach (var b in Encoding.UTF8.GetBytes(text))
        {
            if (b is >= (byte)'!' and <= (byte)'~' and not (byte)'+' and not (byte)'=')
                sb.Append((char)b);
            else
                sb.Append('+').Append(b.ToString("X2"));
        }
        return sb.ToString();
    }

    private static bool IsUpperHex(char c) => char.IsAsciiDigit(c) || c is >= 'A' and <= 'F';

    private static bool IsPrintableAscii(string text) => text.All(c => c is >= ' ' and < (char)0x7F);
}
