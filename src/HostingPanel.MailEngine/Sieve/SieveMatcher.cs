namespace HostingPanel.MailEngine.Sieve;

/// <summary>
/// Comparators (RFC 4790: i;octet, i;ascii-casemap, i;ascii-numeric) and match types (RFC 5228
/// section 2.7.1, RFC 5231 relational). Works on UTF-16 code units; i;ascii-casemap folds only a-z.
/// </summary>
internal static class SieveMatcher
{
    /// <summary>
    /// True when any value matches any key (for :count, when the number of values does). Adds the work
    /// done to <paramref name="steps"/>; fills <paramref name="captures"/> (RFC 5229 match variables) after a successful :matches.
    /// </summary>
    public static bool Test(SieveMatch match, IReadOnlyList<string> values, IReadOnlyList<string> keys, ref long steps, List<string>? captures)
    {
        if (match.Type == SieveMatchType.Count)
        {
            var count = values.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
            foreach (var key in keys)
            {
                steps++;
                if (Relate(Compare(match.Comparator, count, key), match.Relation))
                    return true;
            }
            return false;
        }
        foreach (var value in values)
        {
            foreach (var key in keys)
            {
                steps++;
                switch (match.Type)
                {
                    case SieveMatchType.Is:
                        if (Compare(match.Comparator, value, key) == 0)
                            return true;
                        break;
                    case SieveMatchType.Contains:
                        steps += value.Length / 4096;
                        if (Contains(match.Comparator, value, key))
                            return true;
                        break;
                    case SieveMatchType.Matches:
                        if (Glob(match.Comparator, value, key, captures, ref steps))
                            return true;
                        break;
                    case SieveMatchType.Value:
                        if (Relate(Compare(match.Comparator, value, key), match.Relation))
                            return true;
                        break;
                    case SieveMatchType.Regex:
                        steps += value.Length / 1024;
                        var regex = SieveRegex.Get(key, match.Comparator == SieveComparator.AsciiCasemap, out var error)
                                    ?? throw new SieveRegexException(error!);
                        var found = regex.Match(value);
                        if (found.Success)
                        {
                            if (captures is not null)
                            {
                                captures.Clear();
                                for (var g = 0; g < Math.Min(found.Groups.Count, 10); g++)
                                    captures.Add(found.Groups[g].Success ? found.Groups[g].Value : "");
                            }
                            return true;
                        }
                        break;
                }
            }
        }
        return false;
    }

    private static bool Relate(int c, SieveRelation relation) => relation switch
    {
        SieveRelation.Gt => c > 0,
        SieveRelation.Ge => c >= 0,
        SieveRelation.Lt => c < 0,
        SieveRelation.Le => c <= 0,
        SieveRelation.Eq => c == 0,
        _ => c != 0,
    };

    public static int Compare(SieveComparator comparator, string a, string b)
    {
        switch (comparator)
        {
            case SieveComparator.Octet:
                return string.CompareOrdinal(a, b);
            case SieveComparator.AsciiCasemap:
                var n = Math.Min(a.Length, b.Length);
                for (var i = 0; i < n; i++)
                {
                    var d = Fold(a[i]) - Fold(b[i]);
                    if (d != 0)
                        return d;
                }
                return a.Length - b.Length;
            default:
                return CompareNumeric(a, b);
        }
    }

    /// <summary>RFC 4790 section 9.1: the leading digits as a number; a string without them is greater than every number.</summary>
    private static int CompareNumeric(string a, string b)
    {
        var x = LeadingDigits(a);
        var y = LeadingDigits(b);
        if (x.IsEmpty || y.IsEmpty)
            return (x.IsEmpty ? 1 : 0) - (y.IsEmpty ? 1 : 0);
        x = x.TrimStart('0');
        y = y.TrimStart('0');
        if (x.Length != y.Length)
            return x.Length - y.Length;
        return x.SequenceCompareTo(y);
    }

    private static ReadOnlySpan<char> LeadingDigits(string s)
    {
        var i = 0;
        while (i < s.Length && char.IsAsciiDigit(s[i]))
            i++;
        return s.AsSpan(0, i);
    }

    private static char Fold(char c) => c is >= 'a' and <= 'z' ? (char)(c - 32) : c;

    private static bool Same(SieveComparator comparator, char a, char b) =>
        a == b || comparator == SieveComparator.AsciiCasemap && Fold(a) == Fold(b);

    private static bool Contains(SieveComparator comparator, string value, string key) => comparator switch
    {
        SieveComparator.Octet => value.Contains(key, StringComparison.Ordinal),
        // i;ascii-numeric has no substring operation (RFC 4790 section 9.1).
        SieveComparator.AsciiNumeric => false,
        _ => IndexOfAsciiCasemap(value, key) >= 0,
    };

    private static int IndexOfAsciiCasemap(string value, string key)
    {
        if (key.Length == 0)
            return 0;
        var first = Fold(key[0]);
        for (var i = 0; i + key.Length <= value.Length; i++)
        {
            if (Fold(value[i]) != first)
                continue;
            var j = 1;
            while (j < key.Length && Fold(value[i + j]) == Fold(key[j]))
                j++;
            if (j == key.Length)
                return i;
        }
        return -1;
    }

    /// <summary>
    /// :matches: "*" any sequence, "?" one character, "\" quotes the next. Earlier wildcards match as
    /// little as possible (RFC 5229 section 3.2's example "[*] *"); the classic single-backtrack walk,
    /// O(value × key) at worst, with the work counted in <paramref name="steps"/>.
    /// </summary>
    public static bool Glob(SieveComparator comparator, string text, string pattern, List<string>? captures, ref long steps)
    {
        if (comparator == SieveComparator.AsciiNumeric)
            return false;
        // Pattern to (kind, char): 0 literal, 1 '*', 2 '?'.
        Span<byte> kinds = pattern.Length <= 256 ? stackalloc byte[pattern.Length] : new byte[pattern.Length];
        Span<char> chars = pattern.Length <= 256 ? stackalloc char[pattern.Length] : new char[pattern.Length];
        var len = 0;
        var wildcards = 0;
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            if (c == '\\' && i + 1 < pattern.Length)
            {
                kinds[len] = 0;
                chars[len++] = pattern[++i];
            }
            else
            {
                kinds[len] = c switch { '*' => (byte)1, '?' => (byte)2, _ => (byte)0 };
                if (kinds[len] != 0)
                    wildcards++;
                chars[len++] = c;
            }
        }
        Span<int> capStart = wildcards <= 32 ? stackalloc int[wildcards] : new int[wildcards];
        Span<int> capLength = wildcards <= 32 ? stackalloc int[wildcards] : new int[wildcards];
        Span<int> ordinal = len <= 256 ? stackalloc int[len] : new int[len];
        for (int i = 0, w = 0; i < len; i++)
            ordinal[i] = kinds[i] != 0 ? w++ : -1;

        int t = 0, p = 0, starP = -1, starT = 0;
        long work = 0;
        while (t < text.Length)
        {
            work++;
            if (p < len && kinds[p] == 2)
            {
                capStart[ordinal[p]] = t;
                capLength[ordinal[p]] = 1;
                t++;
                p++;
            }
            else if (p < len && kinds[p] == 0 && Same(comparator, text[t], chars[p]))
            {
                t++;
                p++;
            }
            else if (p < len && kinds[p] == 1)
            {
                starP = p;
                starT = t;
                capStart[ordinal[p]] = t;
                capLength[ordinal[p]] = 0;
                p++;
            }
            else if (starP >= 0)
            {
                starT++;
                t = starT;
                p = starP + 1;
                capLength[ordinal[starP]] = starT - capStart[ordinal[starP]];
            }
            else
            {
                steps += work / 64;
                return false;
            }
        }
        while (p < len && kinds[p] == 1)
        {
            capStart[ordinal[p]] = t;
            capLength[ordinal[p]] = 0;
            p++;
        }
        steps += work / 64;
        if (p != len)
            return false;
        if (captures is not null)
        {
            captures.Clear();
            captures.Add(text);
            for (var w = 0; w < wildcards; w++)
                captures.Add(text.Substring(capStart[w], capLength[w]));
        }
        return true;
    }
}

/// <summary>A :regex key that became an invalid pattern only once its variables were expanded.</summary>
internal sealed class SieveRegexException(string message) : Exception(message);
