using System.Globalization;
using HostingPanel.MailEngine.Protocol.Imap.Commands;
using MimeKit;
using MimeKit.Utils;

namespace HostingPanel.MailEngine.Protocol.Imap.Search;

/// <summary>What a search is evaluated against, besides the message itself.</summary>
/// <param name="LargestSequence">What "*" means in a sequence set (the message count).</param>
/// <param name="LargestUid">What "*" means in a UID set (the highest UID in the mailbox).</param>
/// <param name="SavedUids">The SEARCHRES saved result for "$" (RFC 5182), or null when none is saved.</param>
/// <param name="Now">For OLDER and YOUNGER.</param>
public sealed record ImapSearchContext(uint LargestSequence, uint LargestUid, IReadOnlySet<uint>? SavedUids, DateTimeOffset Now)
{
    // One matcher per sequence-set key, built on first use: a long set is then O(log ranges) per message.
    private readonly Dictionary<ImapSearchSequence, ImapSequenceMatcher> _matchers = new(ReferenceEqualityComparer.Instance);

    internal ImapSequenceMatcher Matcher(ImapSearchSequence key)
    {
        if (!_matchers.TryGetValue(key, out var matcher))
        {
            matcher = key.Set.CreateMatcher(key.IsUid ? LargestUid : LargestSequence);
            _matchers[key] = matcher;
        }

        return matcher;
    }

    // Each key's string folded once per command, not once per message.
    private readonly Dictionary<string, string> _folded = new(StringComparer.Ordinal);

    internal string Folded(string value)
    {
        if (!_folded.TryGetValue(value, out var folded))
        {
            folded = ImapSearchFold.Fold(value);
            _folded[value] = folded;
        }

        return folded;
    }
}

/// <summary>Evaluates a search key tree against one message (RFC 9051 section 6.4.4).</summary>
/// <remarks>
/// String keys are substring matches on decoded (RFC 2047, charset) text, both sides folded by
/// <see cref="ImapSearchFold"/> (case and compatibility forms ignored).
/// Dates compare by calendar day in the message's own time zone. SENT* keys fall back to the
/// internal date when the Date: header is missing or unparsable, as RFC 5256 does for SORT.
/// </remarks>
public static class ImapSearchEvaluator
{
    public static bool Matches(ImapSearchKey key, IImapSearchMessage message, ImapSearchContext context)
    {
        IImapMessageContent? content = null;
        return Evaluate(key, message, context, ref content);
    }

    /// <summary>The messages that match, in the order given.</summary>
    public static IReadOnlyList<IImapSearchMessage> Filter(ImapSearchKey key, IEnumerable<IImapSearchMessage> messages, ImapSearchContext context) =>
        messages.Where(m => Matches(key, m, context)).ToList();

    private static bool Evaluate(ImapSearchKey key, IImapSearchMessage m, ImapSearchContext context, ref IImapMessageContent? content)
    {
        switch (key)
        {
            case ImapSearchAll:
                return true;
            case ImapSearchAnd and:
                foreach (var k in and.Keys)
                {
                    if (!Evaluate(k, m, context, ref content))
                    {
                        return false;
                    }
                }

                return true;
            case ImapSearchOr or:
                return Evaluate(or.Left, m, context, ref content) || Evaluate(or.Right, m, context, ref content);
            case ImapSearchNot not:
                return !Evaluate(not.Key, m, context, ref content);
            case ImapSearchFlag flag:
                return m.HasFlag(flag.Flag) == flag.IsSet;
            case ImapSearchSize size:
                return size.Larger ? (ulong)m.Size > size.Size : (ulong)m.Size < size.Size;
            case ImapSearchModSeq modSeq:
                return m.ModSeq >= modSeq.ModSeq;
            case ImapSearchAge age:
                {
                    var seconds = (context.Now - m.InternalDate).TotalSeconds;
                    return age.Older ? seconds >= age.Seconds : seconds <= age.Seconds;
                }

            case ImapSearchSequence sequence:
                if (sequence.Set.IsSavedResult)
                {
                    return context.SavedUids?.Contains(m.Uid) == true;
                }

                return context.Matcher(sequence).Contains(sequence.IsUid ? m.Uid : m.SequenceNumber);
            case ImapSearchDate date:
                {
                    var when = date.Field == ImapSearchDateField.Internal ? m.InternalDate : SentDate(m, ref content);
                    var day = DateOnly.FromDateTime(when.DateTime);
                    return date.Comparison switch
                    {
                        ImapSearchDateComparison.Before => day < date.Date,
                        ImapSearchDateComparison.On => day == date.Date,
                        _ => day >= date.Date,
                    };
                }

            case ImapSearchHeader header:
                {
                    content ??= m.GetContent();
                    var needle = context.Folded(header.Value);
                    if (content.MatchHeader(header.Field, needle) is { } answered)
                    {
                        return answered;
                    }

                    if (header.Value.Length > 0 && !content.HeadersMayContain(header.Value))
                    {
                        return false;
                    }

                    var any = false;
                    foreach (var h in content.Headers)
                    {
                        if (!h.Field.Equals(header.Field, StringComparison.OrdinalIgnoreCase))
                        {
                            continue;
                        }

                        any = true;
                        if (needle.Length == 0 || Contains(h.Value, needle))
                        {
                            return true;
                        }
                    }

                    return any && header.Value.Length == 0;
                }

            case ImapSearchText text:
                {
                    content ??= m.GetContent();
                    var needle = context.Folded(text.Value);
                    if (Contains(content.GetBodyText(), needle))
                    {
                        return true;
                    }

                    if (text.Scope == ImapSearchTextScope.Text)
                    {
                        foreach (var h in content.Headers)
                        {
                            if (Contains(h.Field + ": " + h.Value, needle))
                            {
                                return true;
                            }
                        }
                    }

                    return false;
                }

            default:
                throw new NotSupportedException("Unknown search key " + key.GetType().Name);
        }
    }

    private static bool Contains(string? haystack, string foldedNeedle) =>
        haystack is not null && ImapSearchFold.Contains(ImapSearchFold.Fold(haystack), foldedNeedle);

    private static DateTimeOffset SentDate(IImapSearchMessage m, ref IImapMessageContent? content)
    {
        content ??= m.GetContent();
        var sent = content.Summary is { } summary ? summary.SentDate : ImapMessageFields.SentDate(content.Headers);
        return sent ?? m.InternalDate;
    }
}

/// <summary>Header-derived values shared by SEARCH, SORT and THREAD.</summary>
public static class ImapMessageFields
{
    public static DateTimeOffset? SentDate(HeaderList headers)
    {
        var value = headers[HeaderId.Date];
        return value is not null && DateUtils.TryParse(value, out var date) ? date : null;
    }

    /// <summary>The first address (a mailbox or a group) of an address header, or null.</summary>
    public static InternetAddress? FirstAddress(HeaderList headers, HeaderId id)
    {
        var index = headers.IndexOf(id);
        if (index < 0)
        {
            return null;
        }

        // Parse the raw bytes: the decoded value may hold commas inside display names.
        var raw = headers[index].RawValue;
        if (!InternetAddressList.TryParse(Mime.ImapMessageStructure.ParserOptions, raw, 0, raw.Length, out var list))
        {
            return null;
        }

        return list.FirstOrDefault();
    }
}
