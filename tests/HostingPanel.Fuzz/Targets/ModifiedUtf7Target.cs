using System.Text;
using HostingPanel.MailEngine.Protocol.Imap;

namespace HostingPanel.Fuzz.Targets;

/// <summary>
/// The modified UTF-7 codec and the mailbox-name validator must agree (dovecot/core PR #311): a wire
/// name is valid exactly when it decodes and its decoded form validates; every decoded name
/// re-encodes to the same wire form (one spelling per name); every valid Unicode name round-trips.
/// </summary>
internal static class ModifiedUtf7Target
{
    public static void Run(ReadOnlySpan<byte> input)
    {
        // As wire text: bytes as Latin-1, so 8-bit and NUL bytes reach the decoder as they came.
        var wire = Encoding.Latin1.GetString(input);
        var decodes = ImapModifiedUtf7.TryDecode(wire, out var decoded, out _);
        var valid = ImapMailboxName.TryDecode(wire, utf8Enabled: false, out var name, out _);
        FuzzTargets.Check(valid == (decodes && ImapMailboxName.Validate(decoded, out _)), "validator and converter disagree on " + Escape(wire));
        if (decodes)
            FuzzTargets.Check(ImapModifiedUtf7.Encode(decoded) == wire, "two spellings for one name: " + Escape(wire));
        if (valid)
            FuzzTargets.Check(!name.Any(char.IsControl), "a valid name holds a control character: " + Escape(wire));

        // As a Unicode name (UTF-16 code units from byte pairs, broken surrogates included).
        var units = new char[input.Length / 2];
        for (var i = 0; i < units.Length; i++)
            units[i] = (char)(input[2 * i] | (input[2 * i + 1] << 8));
        var unicode = new string(units);
        var encoded = ImapModifiedUtf7.Encode(unicode);
        FuzzTargets.Check(encoded.All(c => c is >= ' ' and <= '~'), "Encode wrote a byte outside printable ASCII");
        var validName = ImapMailboxName.Validate(unicode, out _);
        if (validName)
        {
            FuzzTargets.Check(ImapModifiedUtf7.TryDecode(encoded, out var back, out _) && back == unicode, "a valid name does not round-trip: " + Escape(encoded));
            FuzzTargets.Check(ImapMailboxName.TryDecode(encoded, utf8Enabled: false, out _, out _), "a valid name's wire form is refused: " + Escape(encoded));
        }
        FuzzTargets.Check(validName == ImapMailboxName.TryDecode(unicode, utf8Enabled: true, out _, out _), "UTF8=ACCEPT decoding disagrees with Validate");
    }

    private static string Escape(string s) => MailEngine.Protocol.Smtp.SmtpText.Escape(s, 200);
}
