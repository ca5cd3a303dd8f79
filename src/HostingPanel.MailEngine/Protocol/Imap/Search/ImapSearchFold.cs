using System.Text;

namespace HostingPanel.MailEngine.Protocol.Imap.Search;

/// <summary>
/// The one comparison form of SEARCH strings, close to the i;unicode-casemap collation (RFC 5051) that
/// Dovecot uses: compatibility decomposition, then upper case; a key matches when its folded form is
/// an ordinal substring of the folded field. Both sides of every comparison go through <see cref="Fold"/>,
/// so the header index (folded once per message) and a fresh parse give the same answer.
/// </summary>
public static class ImapSearchFold
{
    public static string Fold(string value)
    {
        if (value.Length == 0)
        {
            return value;
        }

        string decomposed;
        try
        {
            // Normalize returns the same instance for ASCII (its fast path), so plain text costs one upper-casing.
            decomposed = value.Normalize(NormalizationForm.FormKD);
        }
        catch (ArgumentException)
        {
            // Not valid UTF-16 (a lone surrogate from a broken charset): compared by case only.
            decomposed = value;
        }

        return decomposed.ToUpperInvariant();
    }

    /// <summary>True when the folded <paramref name="foldedNeedle"/> occurs in <paramref name="foldedHaystack"/>.</summary>
    public static bool Contains(string foldedHaystack, string foldedNeedle) =>
        foldedHaystack.Contains(foldedNeedle, StringComparison.Ordinal);
}
