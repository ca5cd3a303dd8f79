using System.Buffers;

namespace HostingPanel.MailEngine.Protocol.Smtp;

/// <summary>
/// Bare line ends in message data, made CRLF, as Postfix 3.9 does with
/// <c>smtpd_forbid_bare_newline = normalize</c>.
/// </summary>
/// <remarks>
/// RFC 5321 section 2.3.8: CR and LF "MUST only occur together as CRLF"; section 4.1.1.4: only
/// &lt;CRLF&gt;.&lt;CRLF&gt; ends the data. Many senders (PHP's mail(), old scripts, Python's smtplib
/// given bytes) send bare LF anyway, so refusing them loses real mail. What makes bare line ends
/// dangerous is SMTP smuggling (CVE-2023-51764 class): a server downstream that takes
/// &lt;LF&gt;.&lt;LF&gt; as the end of the data would split one message into two. Two things keep
/// that from happening here: the SmtpServer package ends DATA only at CRLF.CRLF (so the smuggled
/// text is part of this one message), and this normaliser runs before the message is stored or
/// queued, so no bare line end ever leaves this server towards another one.
/// Note: a bare CR becomes CRLF too (Postfix keeps it; a CR alone ends lines in no mail format
/// still in use, and passing it on is a smuggling vector of its own: &lt;CR&gt;.&lt;CR&gt;).
/// Note: a line after a bare LF that starts with a dot loses that dot (RFC 5321 section 4.5.2
/// transparency), as Postfix reads a line ending in bare LF as a line: clients that send bare LF
/// also dot-stuff after it (Python's smtplib does), and the package only unstuffs after CRLF.
/// </remarks>
public static class SmtpLineEnds
{
    private const byte ByteCR = (byte)'\r';
    private const byte ByteLF = (byte)'\n';
    private const byte ByteDot = (byte)'.';

    /// <summary>
    /// <paramref name="data"/> itself when every CR and LF in it form CRLF pairs (the common case:
    /// no copy), otherwise a copy in which every bare LF and bare CR is CRLF and a line after a bare
    /// LF is dot-unstuffed (not for BDAT chunks, <paramref name="unstuffAfterBareLf"/> false: they carry no stuffing).
    /// </summary>
    public static ReadOnlySequence<byte> Normalize(in ReadOnlySequence<byte> data, bool unstuffAfterBareLf = true)
    {
        var extra = CountBare(data);
        if (extra == 0)
            return data;
        var output = new byte[checked(data.Length + extra)];
        var o = 0;
        var previous = (byte)0;
        var afterBareLf = false;
        foreach (var segment in data)
        {
            foreach (var b in segment.Span)
            {
                if (previous == ByteCR && b != ByteLF)
                    output[o++] = ByteLF; // a bare CR gets its LF
                var unstuff = unstuffAfterBareLf && afterBareLf && b == ByteDot;
                afterBareLf = b == ByteLF && previous != ByteCR;
                if (afterBareLf)
                    output[o++] = ByteCR; // a bare LF gets its CR
                previous = b;
                if (!unstuff)
                    output[o++] = b;
            }
        }
        if (previous == ByteCR)
            output[o++] = ByteLF;
        return new ReadOnlySequence<byte>(output, 0, o);
    }

    /// <summary>How many bytes making every bare CR and LF a CRLF adds: one per bare line end.</summary>
    public static long CountBare(in ReadOnlySequence<byte> data)
    {
        long count = 0;
        var previous = (byte)0;
        foreach (var segment in data)
        {
            foreach (var b in segment.Span)
            {
                if (previous == ByteCR && b != ByteLF)
                    count++;
                if (b == ByteLF && previous != ByteCR)
                    count++;
                previous = b;
            }
        }
        return previous == ByteCR ? count + 1 : count;
    }
}
