using System.Collections.Concurrent;
using System.Text.RegularExpressions;

namespace HostingPanel.MailEngine.Sieve;

/// <summary>
/// The "regex" extension (draft-ietf-sieve-regex-01, as Pigeonhole and Cyrus implement it): <c>:regex</c> matches
/// a value against a POSIX extended regular expression; ${0} is the match and ${1}..${9} its groups (with "variables").
/// Run with .NET's non-backtracking engine: linear in the value's length whatever the pattern, so a hostile script
/// cannot stall delivery (ReDoS); the price is that backreferences and lookarounds are refused (POSIX ERE has neither).
/// POSIX bracket classes ([:alpha:] and the like) are translated to their ASCII ranges.
/// </summary>
internal static class SieveRegex
{
    private const int CacheLimit = 1024;
    private static readonly ConcurrentDictionary<(string Pattern, bool IgnoreCase), Regex> Cache = new();

    private static readonly (string Posix, string Net)[] Classes =
    [
        ("[:alpha:]", "a-zA-Z"), ("[:digit:]", "0-9"), ("[:alnum:]", "a-zA-Z0-9"), ("[:upper:]", "A-Z"), ("[:lower:]", "a-z"),
        ("[:space:]", " \\t\\r\\n\\v\\f"), ("[:blank:]", " \\t"), ("[:xdigit:]", "0-9A-Fa-f"),
        ("[:punct:]", "!-/:-@\\[-`{-~"), ("[:print:]", " -~"), ("[:graph:]", "!-~"), ("[:cntrl:]", "\\x00-\\x1f\\x7f"),
    ];

    /// <summary>The compiled expression, or null with <paramref name="error"/> when the pattern is not one we accept.</summary>
    public static Regex? Get(string pattern, bool ignoreCase, out string? error)
    {
        error = null;
        if (Cache.TryGetValue((pattern, ignoreCase), out var cached))
            return cached;
        var translated = pattern;
        foreach (var (posix, net) in Classes)
            translated = translated.Replace(posix, net, StringComparison.Ordinal);
        try
        {
            var options = RegexOptions.NonBacktracking | RegexOptions.CultureInvariant | (ignoreCase ? RegexOptions.IgnoreCase : RegexOptions.None);
            var regex = new Regex(translated, options, TimeSpan.FromSeconds(1));
            if (Cache.Count >= CacheLimit)
                Cache.Clear();
            Cache[(pattern, ignoreCase)] = regex;
            return regex;
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException)
        {
            error = $"invalid regular expression \"{pattern}\": {e.Message}";
            return null;
        }
    }
}
