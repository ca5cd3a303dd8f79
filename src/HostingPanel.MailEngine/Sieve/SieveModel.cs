namespace HostingPanel.MailEngine.Sieve;

/// <summary>A string argument; <see cref="HasVariables"/> when "variables" is required and it holds "${".</summary>
internal sealed class SieveValue(string text, bool hasVariables)
{
    public string Text { get; } = text;
    public bool HasVariables { get; } = hasVariables;
}

internal enum SieveComparator { Octet, AsciiCasemap, AsciiNumeric }

internal enum SieveMatchType { Is, Contains, Matches, Value, Count, Regex }

internal enum SieveRelation { Gt, Ge, Lt, Le, Eq, Ne }

/// <summary>RFC 5228 section 2.7.4, with :user and :detail of RFC 5233 (subaddress).</summary>
internal enum SieveAddressPart { All, LocalPart, Domain, User, Detail }

internal enum SieveBodyTransform { Text, Raw, Content }

internal enum SieveFlagOperation { Set, Add, Remove }

/// <summary>COMPARATOR and MATCH-TYPE of RFC 5228 section 2.7, with the relation of RFC 5231.</summary>
internal sealed record SieveMatch(SieveComparator Comparator, SieveMatchType Type, SieveRelation Relation)
{
    public static readonly SieveMatch Default = new(SieveComparator.AsciiCasemap, SieveMatchType.Is, SieveRelation.Eq);
}

// ------------------------------------------------------------------ commands

internal abstract record SieveCommand(int Line);

internal sealed record SieveIf(IReadOnlyList<(SieveTest? Test, SieveCommand[] Block)> Branches, int Line) : SieveCommand(Line);

internal sealed record SieveStop(int Line) : SieveCommand(Line);

internal sealed record SieveKeep(SieveValue[]? Flags, int Line) : SieveCommand(Line);

internal sealed record SieveDiscard(int Line) : SieveCommand(Line);

internal sealed record SieveFileInto(SieveValue Mailbox, bool Copy, bool Create, SieveValue[]? Flags, int Line) : SieveCommand(Line);

internal sealed record SieveRedirect(SieveValue Address, bool Copy, int Line) : SieveCommand(Line);

internal sealed record SieveReject(SieveValue Reason, bool Extended, int Line) : SieveCommand(Line);

internal sealed record SieveVacation(long? Seconds, SieveValue? Subject, SieveValue? From, SieveValue[] Addresses, bool Mime,
    SieveValue? Handle, SieveValue Reason, int Line) : SieveCommand(Line);

internal sealed record SieveFlagCommand(SieveFlagOperation Operation, SieveValue? Variable, SieveValue[] Flags, int Line) : SieveCommand(Line);

/// <summary>RFC 5293 section 4: addheader [":last"] &lt;field-name&gt; &lt;value&gt;.</summary>
internal sealed record SieveAddHeader(bool Last, SieveValue Name, SieveValue Value, int Line) : SieveCommand(Line);

/// <summary>
/// RFC 5293 section 5: deleteheader [":index" &lt;fieldno&gt; [":last"]] [COMPARATOR] [MATCH-TYPE] &lt;field-name&gt; [&lt;value-patterns&gt;].
/// <see cref="Index"/> 0: every occurrence; <see cref="Patterns"/> null: whatever the value.
/// </summary>
internal sealed record SieveDeleteHeader(int Index, bool Last, SieveMatch Match, SieveValue Name, SieveValue[]? Patterns, int Line) : SieveCommand(Line);

/// <summary>RFC 6609 section 3.1: ":personal" (the mailbox's own scripts, the default) or ":global" (the site's).</summary>
public enum SieveIncludeLocation { Personal, Global }

/// <summary>RFC 6609 section 3.2: include [LOCATION] [":once"] [":optional"] &lt;value: string&gt;; the name is a constant.</summary>
internal sealed record SieveInclude(SieveIncludeLocation Location, bool Once, bool Optional, string Name, int Line) : SieveCommand(Line);

/// <summary>RFC 6609 section 3.3: ends the current included script (the main script: as stop).</summary>
internal sealed record SieveReturn(int Line) : SieveCommand(Line);

/// <summary>RFC 6609 section 3.4: global &lt;value: string-list&gt; shares these variables with the other scripts of the run.</summary>
internal sealed record SieveGlobal(string[] Names, int Line) : SieveCommand(Line);

/// <summary>
/// RFC 5435 section 3: notify [":from" string] [":importance" &lt;"1" / "2" / "3"&gt;] [":options" string-list]
/// [":message" string] &lt;method: string&gt;.
/// </summary>
internal sealed record SieveNotify(SieveValue? From, SieveValue? Importance, SieveValue[] Options, SieveValue? Message, SieveValue Method, int Line) : SieveCommand(Line);

/// <param name="Modifiers">Applied in this order (already sorted by RFC 5229 section 4.1 precedence).</param>
internal sealed record SieveSet(string Name, SieveValue Value, string[] Modifiers, int Line) : SieveCommand(Line);

// ------------------------------------------------------------------ tests

internal abstract record SieveTest(int Line);

internal sealed record SieveConstantTest(bool Value, int Line) : SieveTest(Line);

internal sealed record SieveNotTest(SieveTest Inner, int Line) : SieveTest(Line);

internal sealed record SieveAllOfTest(SieveTest[] Tests, int Line) : SieveTest(Line);

internal sealed record SieveAnyOfTest(SieveTest[] Tests, int Line) : SieveTest(Line);

internal sealed record SieveExistsTest(SieveValue[] Headers, int Line) : SieveTest(Line);

internal sealed record SieveSizeTest(bool Over, long Limit, int Line) : SieveTest(Line);

internal sealed record SieveHeaderTest(SieveMatch Match, SieveValue[] Headers, SieveValue[] Keys, int Line) : SieveTest(Line);

internal sealed record SieveAddressTest(SieveMatch Match, SieveAddressPart Part, SieveValue[] Headers, SieveValue[] Keys, int Line) : SieveTest(Line);

internal sealed record SieveEnvelopeTest(SieveMatch Match, SieveAddressPart Part, SieveValue[] Parts, SieveValue[] Keys, int Line) : SieveTest(Line);

internal sealed record SieveBodyTest(SieveMatch Match, SieveBodyTransform Transform, string[] ContentTypes, SieveValue[] Keys, int Line) : SieveTest(Line);

internal sealed record SieveHasFlagTest(SieveMatch Match, SieveValue[]? Variables, SieveValue[] Keys, int Line) : SieveTest(Line);

internal sealed record SieveStringTest(SieveMatch Match, SieveValue[] Sources, SieveValue[] Keys, int Line) : SieveTest(Line);

/// <summary>RFC 5260 currentdate: the time of delivery in the zone given (default UTC here).</summary>
internal sealed record SieveCurrentDateTest(SieveMatch Match, TimeSpan? Zone, string DatePart, SieveValue[] Keys, int Line) : SieveTest(Line);

internal sealed record SieveMailboxExistsTest(SieveValue[] Names, int Line) : SieveTest(Line);

/// <summary>RFC 5435 section 4: valid_notify_method &lt;notification-uris: string-list&gt;.</summary>
internal sealed record SieveValidNotifyMethodTest(SieveValue[] Uris, int Line) : SieveTest(Line);

/// <summary>RFC 5435 section 5: notify_method_capability [COMPARATOR] [MATCH-TYPE] &lt;uri&gt; &lt;capability&gt; &lt;key-list&gt;.</summary>
internal sealed record SieveNotifyMethodCapabilityTest(SieveMatch Match, SieveValue Uri, SieveValue Capability, SieveValue[] Keys, int Line) : SieveTest(Line);

/// <summary>A compiled script: what delivery runs. Immutable, shared between deliveries.</summary>
public sealed class SieveScript
{
    internal SieveScript(SieveCommand[] commands, IReadOnlySet<string> extensions, IReadOnlyList<(SieveIncludeLocation Location, string Name, bool Optional, int Line)> includes)
    {
        Commands = commands;
        Extensions = extensions;
        Includes = includes;
    }

    internal SieveCommand[] Commands { get; }

    /// <summary>The capabilities the script requires.</summary>
    public IReadOnlySet<string> Extensions { get; }

    /// <summary>The script tests the body: delivery must make the whole message available.</summary>
    public bool UsesBody => Extensions.Contains("body");

    public bool UsesMailboxExists => Extensions.Contains("mailbox");

    /// <summary>The scripts this one names in include commands (constant names, so delivery can load them before the run).</summary>
    public IReadOnlyList<(SieveIncludeLocation Location, string Name, bool Optional, int Line)> Includes { get; }

    public bool UsesReject => Extensions.Contains("reject") || Extensions.Contains("ereject");

    /// <summary>Compiles <paramref name="source"/>; throws <see cref="SieveCompileException"/> with the line of the first error.</summary>
    public static SieveScript Compile(string source) => SieveCompiler.Compile(source);
}
