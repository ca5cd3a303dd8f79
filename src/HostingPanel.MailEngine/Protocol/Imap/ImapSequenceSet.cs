namespace HostingPanel.MailEngine.Protocol.Imap;

/// <summary>One range of a sequence set; <see cref="Star"/> stands for "*" (the largest number in use).</summary>
public readonly record struct ImapSequenceRange(uint Start, uint End)
{
    /// <summary>
    /// "*". Zero, because seq-number is nz-number / "*" (RFC 9051 9): 4294967295 is a real UID a client
    /// may name (imaptest's <c>UID SEARCH UID n:4294967295</c>), and must not mean "the largest in use".
    /// </summary>
    public const uint Star = 0;

    /// <summary>The range with "*" replaced by <paramref name="largest"/>, low end first (RFC 9051: 4:2 is 2:4).</summary>
    public (uint Low, uint High) Resolve(uint largest)
    {
        var a = Start == Star ? largest : Start;
        var b = End == Star ? largest : End;
        return a <= b ? (a, b) : (b, a);
    }
}

/// <summary>A sequence set or UID set as the client wrote it; "$" (RFC 5182) is the saved search result.</summary>
public sealed record ImapSequenceSet(IReadOnlyList<ImapSequenceRange> Ranges)
{
    public static ImapSequenceSet SavedResult { get; } = new([]) { IsSavedResult = true };

    public bool IsSavedResult { get; private init; }

    /// <summary>Whether <paramref name="value"/> is in the set, "*" being <paramref name="largest"/>.</summary>
    /// <remarks>Linear in the ranges; to test many values use <see cref="CreateMatcher"/>.</remarks>
    public bool Contains(uint value, uint largest)
    {
        foreach (var range in Ranges)
        {
            var (low, high) = range.Resolve(largest);
            if (value >= low && value <= high)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Sorted, merged ranges with binary search: a client's 100,000-range set against a 100,000-message
    /// mailbox costs n log n, not n².
    /// </summary>
    public ImapSequenceMatcher CreateMatcher(uint largest) => new(this, largest);

    /// <summary>The numbers of the set inside 1..<paramref name="largest"/>, ascending, without repeats.</summary>
    public IReadOnlyList<uint> Expand(uint largest)
    {
        if (largest == 0)
        {
            return [];
        }

        // Merged, disjoint ranges first, so "1:*,1:*,..." costs the mailbox size once, not once per range.
        var result = new List<uint>();
        foreach (var (low, high) in CreateMatcher(largest).Ranges)
        {
            var top = Math.Min(high, largest);
            for (var n = Math.Max(low, 1u); n <= top; n++)
            {
                result.Add(n);
                if (n == uint.MaxValue)
                {
                    break;
                }
            }
        }

        return result;
    }

    public override string ToString() => IsSavedResult ? "$" : ImapSequenceSetFormatter.Format(Ranges);
}

/// <summary>Writes sets back in the compact "1:3,5" form (COPYUID, APPENDUID, VANISHED, ESEARCH).</summary>
public static class ImapSequenceSetFormatter
{
    public static string Format(IReadOnlyList<ImapSequenceRange> ranges)
    {
        var builder = new System.Text.StringBuilder();
        foreach (var range in ranges)
        {
            if (builder.Length > 0)
            {
                builder.Append(',');
            }

            builder.Append(range.Start == ImapSequenceRange.Star ? "*" : range.Start.ToString(System.Globalization.CultureInfo.InvariantCulture));
            if (range.End != range.Start)
            {
                builder.Append(':').Append(range.End == ImapSequenceRange.Star ? "*" : range.End.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        return builder.ToString();
    }

    /// <summary>Compresses ascending or unordered numbers into ranges: 1,2,3,7 → 1:3,7 (order kept for COPYUID pairing when <paramref name="keepOrder"/>).</summary>
    public static string Format(IEnumerable<uint> numbers, bool keepOrder = false)
    {
        var list = keepOrder ? numbers.ToList() : numbers.Distinct().Order().ToList();
        var ranges = new List<ImapSequenceRange>();
        foreach (var n in list)
        {
            if (ranges.Count > 0 && ranges[^1].End != uint.MaxValue && ranges[^1].End + 1 == n)
            {
                ranges[^1] = ranges[^1] with { End = n };
            }
            else
            {
                ranges.Add(new ImapSequenceRange(n, n));
            }
        }

        return Format(ranges);
    }
}

/// <summary>Tests membership in a sequence set in O(log ranges).</summary>
public sealed class ImapSequenceMatcher
{
    private readonly uint[] _lows;
    private readonly uint[] _highs;

    internal ImapSequenceMatcher(ImapSequenceSet set, uint largest)
    {
        var resolved = set.Ranges.Select(r => r.Resolve(largest)).OrderBy(r => r.Low).ToList();
        var lows = new List<uint>();
        var highs = new List<uint>();
        foreach (var (low, high) in resolved)
        {
            if (highs.Count > 0 && (highs[^1] == uint.MaxValue || low <= highs[^1] + 1))
            {
                highs[^1] = Math.Max(highs[^1], high);
                continue;
            }

            lows.Add(low);
            highs.Add(high);
        }

        _lows = lows.ToArray();
        _highs = highs.ToArray();
    }

    /// <summary>The merged ranges, ascending and disjoint.</summary>
    public IEnumerable<(uint Low, uint High)> Ranges => _lows.Zip(_highs);

    public bool Contains(uint value)
    {
        var index = Array.BinarySearch(_lows, value);
        if (index < 0)
        {
            index = ~index - 1;
        }

        return index >= 0 && value <= _highs[index];
    }
}
