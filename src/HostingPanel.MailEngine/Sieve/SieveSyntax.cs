namespace HostingPanel.MailEngine.Sieve;

/// <summary>The parse tree of RFC 5228 section 8.2, before any command is known by name.</summary>
internal abstract record SieveArgument(int Line);

internal sealed record SieveStringListArgument(IReadOnlyList<string> Values, bool IsList, int Line) : SieveArgument(Line);

internal sealed record SieveNumberArgument(long Value, int Line) : SieveArgument(Line);

internal sealed record SieveTagArgument(string Name, int Line) : SieveArgument(Line);

/// <summary>test = identifier arguments; arguments = *argument [ test / test-list ]</summary>
internal sealed record SieveTestNode(string Name, IReadOnlyList<SieveArgument> Arguments, IReadOnlyList<SieveTestNode> Tests, int Line);

/// <summary>command = identifier arguments (";" / block); <see cref="Block"/> is null after ";".</summary>
internal sealed record SieveCommandNode(string Name, IReadOnlyList<SieveArgument> Arguments, IReadOnlyList<SieveTestNode> Tests,
    IReadOnlyList<SieveCommandNode>? Block, int Line);
