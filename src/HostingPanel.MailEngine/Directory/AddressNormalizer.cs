using System.Buffers;
using System.Globalization;
using System.Text;

namespace HostingPanel.MailEngine.Directory;

/// <summary>
/// The one canonical spelling of a mailbox address, for lookups, storage and comparison: an address is
/// parsed against a grammar, not trimmed into shape, so that normalising twice gives what normalising
/// once gives (a stored value reads back the same, and the same address never has two keys).
/// </summary>
/// <remarks>
/// Accepted (RFC 5321 section 4.1.2, with RFC 6531's UTF-8): at most one pair of angle brackets around
/// the whole; a local part that is a dot-string (atext or non-ASCII runs separated by single dots) or a
/// quoted-string (qtextSMTP and quoted-pairs, so it may hold <c>@</c>); a domain of LDH labels (also
/// <c>_</c>, seen in the wild) or a name IDNA turns into one. The result is lower case with the domain in
/// A-label form. Refused on purpose, although RFC 5321 allows them: address literals
/// (<c>[192.0.2.1]</c>), spaces, control and invisible format characters anywhere (they would reach log lines, headers
/// and SMTP commands), and dot-strings with empty segments (they look like path traversal). The panel's
/// <c>EmailAddress</c> is stricter (dot-atom ASCII local parts only); everything it accepts, this
/// accepts with the same value, which a property test holds both to.
/// </remarks>
public static class AddressNormalizer
{
    /// <summary>RFC 5321 section 4.5.3.1: 64 octets of local part, 255 of domain (plus the @).</summary>
    public const int MaxLength = 64 + 1 + 255;

    private static readonly IdnMapping Idn = new() { UseStd3AsciiRules = true, AllowUnassigned = false };

    // Controls (C0, DEL, C1), every kind of white space (also U+00A0, U+3000, line and paragraph
    // separators) and format characters (zero-width spaces and joiners, bidi overrides, soft hyphen):
    // none has a place in an address, and the invisible ones make two addresses look like one.
    private static readonly SearchValues<char> Forbidden = SearchValues.Create(
        Enumerable.Range(0, 0x10000).Select(c => (char)c)
            .Where(c => char.IsControl(c) || char.IsWhiteSpace(c) || CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.Format)
            .ToArray());

    // RFC 5322 atext specials (section 3.2.3).
    private static readonly SearchValues<char> AtextSpecials = SearchValues.Create("!#$%&'*+-/=?^_`{|}~");

    /// <summary>Lower case, IDN domain in A-label form; null when it is not an address.</summary>
    public static string? Normalize(string? address)
    {
        if (address is null)
            return null;
        var text = address.AsSpan().Trim();
        if (text.Length >= 2 && text[0] == '<' && text[^1] == '>')
            text = text[1..^1];
        if (text.Length is 0 or > MaxLength || text.ContainsAny(Forbidden) || !IsWellFormedUtf16(text))
            return null;

        var at = text.LastIndexOf('@');
        if (at <= 0 || at == text.Length - 1)
            return null;
        var local = text[..at];
        if (!(IsDotString(local) || IsQuotedString(local)))
            return null;
        var domain = NormalizeDomain(text[(at + 1)..]);
        if (domain is null)
            return null;
        // The limit holds for the result too: IDNA makes a domain longer, and a result the next
        // normalisation would refuse is not a canonical spelling.
        var normalized = string.Concat(local.ToString().ToLowerInvariant(), "@", domain);
        return normalized.Length <= MaxLength ? normalized : null;
    }

    /// <summary>A domain name in lower-case A-label form, or null. One trailing root dot is dropped.</summary>
    public static string? NormalizeDomain(ReadOnlySpan<char> domain)
    {
        if (domain.Length > 0 && domain[^1] == '.')
            domain = domain[..^1];
        if (domain.Length is 0 or > 253)
            return null;
        string ascii;
        if (Ascii.IsValid(domain))
        {
            ascii = domain.ToString().ToLowerInvariant();
        }
        else
        {
            try { ascii = Idn.GetAscii(domain.ToString()).ToLowerInvariant(); }
            catch (ArgumentException) { return null; }
        }
        if (ascii.Length > 253)
            return null;
        foreach (var range in ascii.AsSpan().Split('.'))
        {
            var label = ascii.AsSpan(range);
            if (label.Length is 0 or > 63 || label[0] == '-' || label[^1] == '-')
                return null;
            foreach (var c in label)
                if (!(char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '-' or '_'))
                    return null;
            // An "xn--" label must be Punycode that IDNA gives back unchanged, or the same name would
            // have two spellings (and the next normalisation a different one).
            if (label.StartsWith("xn--", StringComparison.Ordinal) && !IsCanonicalALabel(label.ToString()))
                return null;
        }
        return ascii;
    }

    private static bool IsCanonicalALabel(string label)
    {
        try { return Idn.GetAscii(Idn.GetUnicode(label)) == label; }
        catch (ArgumentException) { return false; }
    }

    /// <summary>RFC 5321 Dot-string, atext widened to non-ASCII as RFC 6531 section 3.3 does.</summary>
    private static bool IsDotString(ReadOnlySpan<char> local)
    {
        if (local[0] == '.' || local[^1] == '.' || local.Contains("..", StringComparison.Ordinal))
            return false;
        foreach (var c in local)
            if (!(c == '.' || char.IsAsciiLetterOrDigit(c) || AtextSpecials.Contains(c) || c > 0x7F))
                return false;
        return true;
    }

    /// <summary>RFC 5321 Quoted-string: DQUOTE *(qtextSMTP / quoted-pairSMTP) DQUOTE, non-empty.</summary>
    private static bool IsQuotedString(ReadOnlySpan<char> local)
    {
        if (local.Length < 3 || local[0] != '"' || local[^1] != '"')
            return false;
        var inner = local[1..^1];
        for (var i = 0; i < inner.Length; i++)
        {
            var c = inner[i];
            if (c == '\\')
            {
                // quoted-pairSMTP = %d92 %d32-126; spaces and controls are already refused.
                if (++i == inner.Length || inner[i] > 0x7E)
                    return false;
            }
            else if (c == '"')
            {
                return false;
            }
        }
        return true;
    }

    private static bool IsWellFormedUtf16(ReadOnlySpan<char> text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
                i++;
            else if (char.IsSurrogate(text[i]))
                return false;
        }
        return true;
    }
}
