namespace HostingPanel.MailEngine.Protocol.Imap.Commands;

/// <summary>A search criterion: a tree of the RFC 9051 section 6.4.4 keys, plus MODSEQ (RFC 7162) and OLDER/YOUNGER (RFC 5032).</summary>
public abstract record ImapSearchKey;

/// <summary>ALL.</summary>
public sealed record ImapSearchAll : ImapSearchKey
{
    public static ImapSearchAll Instance { get; } = new();
}

/// <summary>Every key holds: a parenthesized list, or several keys in a row.</summary>
public sealed record ImapSearchAnd(IReadOnlyList<ImapSearchKey> Keys) : ImapSearchKey;

public sealed record ImapSearchOr(ImapSearchKey Left, ImapSearchKey Right) : ImapSearchKey;

public sealed record ImapSearchNot(ImapSearchKey Key) : ImapSearchKey;

/// <summary>A system flag or keyword is set (<see cref="IsSet"/>) or not: ANSWERED, UNSEEN, KEYWORD x, RECENT...</summary>
public sealed record ImapSearchFlag(string Flag, bool IsSet) : ImapSearchKey;

/// <summary>A header field contains <see cref="Value"/> (case-insensitive substring): FROM, TO, CC, BCC, SUBJECT, HEADER.</summary>
/// <remarks>An empty value matches every message that has the field (RFC 9051 HEADER).</remarks>
public sealed record ImapSearchHeader(string Field, string Value) : ImapSearchKey;

public enum ImapSearchTextScope
{
    /// <summary>BODY: the body only.</summary>
    Body,

    /// <summary>TEXT: header and body.</summary>
    Text,
}

public sealed record ImapSearchText(ImapSearchTextScope Scope, string Value) : ImapSearchKey;

public enum ImapSearchDateField
{
    /// <summary>BEFORE, ON, SINCE: the internal date.</summary>
    Internal,

    /// <summary>SENTBEFORE, SENTON, SENTSINCE: the Date: header.</summary>
    Sent,
}

public enum ImapSearchDateComparison
{
    Before,
    On,
    Since,
}

/// <summary>Dates compare by day, disregarding time and time zone (RFC 9051 section 6.4.4).</summary>
public sealed record ImapSearchDate(ImapSearchDateField Field, ImapSearchDateComparison Comparison, DateOnly Date) : ImapSearchKey;

/// <summary>LARGER n (<see cref="Larger"/>) or SMALLER n: RFC822.SIZE strictly above or below.</summary>
public sealed record ImapSearchSize(bool Larger, ulong Size) : ImapSearchKey;

/// <summary>A sequence set, or UID set when <see cref="IsUid"/>; may be "$".</summary>
public sealed record ImapSearchSequence(ImapSequenceSet Set, bool IsUid) : ImapSearchKey;

/// <summary>MODSEQ: the message's mod-sequence is at least <see cref="ModSeq"/>.</summary>
public sealed record ImapSearchModSeq(ulong ModSeq, string? EntryName, string? EntryType) : ImapSearchKey;

/// <summary>OLDER n (<see cref="Older"/>) or YOUNGER n: internal date more / less than n seconds ago.</summary>
public sealed record ImapSearchAge(bool Older, uint Seconds) : ImapSearchKey;
