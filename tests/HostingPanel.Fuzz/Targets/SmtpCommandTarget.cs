using System.Buffers;
using System.Text;
using HostingPanel.MailEngine.Directory;
using HostingPanel.MailEngine.Protocol;
using HostingPanel.MailEngine.Protocol.Smtp;
using SmtpServer.Protocol;

namespace HostingPanel.Fuzz.Targets;

/// <summary>
/// An SMTP command line through SmtpServer's own parser (which the engine trusts with every command),
/// after our own MAIL/RCPT checks (SmtpEnvelopeParameters: the package throws on what they refuse), the envelope
/// addresses it yields through our NormalizeAddress, and the bytes as message data
/// through our DATA checks. Whatever comes out of an address must be free of control characters.
/// </summary>
internal static class SmtpCommandTarget
{
    private static readonly SmtpParser Parser = new(new SmtpCommandFactory());

    public static void Run(ReadOnlySpan<byte> input)
    {
        var bytes = input.ToArray();
        if (CommandLine(bytes) is { } line && Parser.TryMake(ref line, out var command, out _))
        {
            switch (command)
            {
                case MailCommand mail when mail.Address is not null:
                    CheckAddress(mail.Address.User + "@" + mail.Address.Host);
                    break;
                case RcptCommand rcpt when rcpt.Address is not null:
                    CheckAddress(rcpt.Address.User + "@" + rcpt.Address.Host);
                    break;
            }
        }

        var text = Encoding.UTF8.GetString(bytes);
        CheckAddress(text);
        CheckDsnParameters(text);
        var escaped = SmtpText.Escape(text);
        FuzzTargets.Check(escaped.IndexOfAny(['\r', '\n', '\0']) < 0, "SmtpText.Escape left a CR, LF or NUL");
        var data = new ReadOnlySequence<byte>(bytes);
        var normalized = SmtpLineEnds.Normalize(data);
        FuzzTargets.Check(SmtpLineEnds.CountBare(normalized) == 0, "SmtpLineEnds.Normalize left a bare CR or LF");
        FuzzTargets.Check(SmtpText.CountHeaders(data, "Received") >= 0, "negative header count");
        var oversized = MessageHeaderLimit.HasOversizedField(data, 64);
        FuzzTargets.Check(oversized || bytes.Length <= 64 || HasShortFields(bytes, 64), "MessageHeaderLimit passed an oversized field");
    }

    /// <summary>
    /// RFC 3461 parameters as the transport reads them from MAIL and RCPT lines: never a throw, an ENVID or
    /// ORCPT without control characters when accepted, and xtext that round-trips.
    /// </summary>
    private static void CheckDsnParameters(string line)
    {
        var (envelope, mailRefusal) = SmtpDsnParameters.ParseMail(line);
        FuzzTargets.Check((envelope is null) != (mailRefusal is null), "ParseMail gave both or neither");
        FuzzTargets.Check(envelope?.EnvelopeId is null || envelope.EnvelopeId.All(c => c is >= ' ' and < (char)0x7F), "ENVID with a control character");
        var (recipient, rcptRefusal) = SmtpDsnParameters.ParseRcpt(line);
        FuzzTargets.Check((recipient is null) != (rcptRefusal is null), "ParseRcpt gave both or neither");
        FuzzTargets.Check(recipient?.OriginalRecipient is null || !recipient.OriginalRecipient.Any(char.IsControl), "ORCPT with a control character");
        FuzzTargets.Check(SmtpDsnParameters.DecodeXtext(SmtpDsnParameters.EncodeXtext(line)) == line, "xtext does not round-trip");
    }

    /// <summary>
    /// The first command line as the package's parser receives it: the session reads one CRLF-ended
    /// line at a time, and our transport (SmtpCommandLineLimit) has already answered lines with a bare
    /// CR, bare LF or NUL and the MAIL/RCPT lines SmtpEnvelopeParameters refuses; those never reach the parser.
    /// </summary>
    private static ReadOnlySequence<byte>? CommandLine(byte[] bytes)
    {
        var lf = Array.IndexOf(bytes, (byte)'\n');
        if (lf < 1 || bytes[lf - 1] != (byte)'\r')
            return null;
        var line = bytes[..(lf + 1)];
        if (Array.IndexOf(line, (byte)0) >= 0 || Array.IndexOf(line, (byte)'\r') != lf - 1)
            return null;
        var sequence = new ReadOnlySequence<byte>(line);
        return SmtpEnvelopeParameters.Check(sequence) is null ? sequence : null;
    }

    private static void CheckAddress(string address)
    {
        var normalized = MailDirectory.NormalizeAddress(address);
        if (normalized is null)
            return;
        FuzzTargets.Check(!normalized.Any(c => char.IsControl(c) || c == ' '), "NormalizeAddress kept a control character or space: " + SmtpText.Escape(normalized));
        FuzzTargets.Check(MailDirectory.NormalizeAddress(normalized) == normalized, "NormalizeAddress is not idempotent: " + SmtpText.Escape(normalized));
    }

    /// <summary>A slow, obviously right reference: every field of the header section at most <paramref name="max"/> bytes.</summary>
    private static bool HasShortFields(byte[] bytes, int max)
    {
        var text = Encoding.Latin1.GetString(bytes);
        var lines = text.Split('\n');
        var field = 0;
        for (var i = 0; i < lines.Length; i++)
        {
            var last = i == lines.Length - 1;
            var line = lines[i];
            if (!last && line.EndsWith('\r'))
                line = line[..^1];
            if (!last && line.Length == 0)
                return true;
            var size = line.Length + (last ? 0 : 2);
            field = line.Length > 0 && line[0] is ' ' or '\t' ? field + size : size;
            if (field > max)
                return false;
        }
        return true;
    }
}
