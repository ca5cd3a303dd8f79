namespace HostingPanel.MailEngine.Sieve;

/// <summary>
/// Tokens to the parse tree (RFC 5228 section 8.2). Knows the grammar only, not the commands.
/// </summary>
/// <remarks>
/// <code>
/// start     = commands
/// commands  = *command
/// command   = identifier arguments (";" / block)
/// block     = "{" commands "}"
/// arguments = *argument [ test / test-list ]
/// argument  = string-list / number / tag
/// test      = identifier arguments
/// test-list = "(" test *("," test) ")"
/// string-list = "[" string *("," string) "]" / string
/// </code>
/// </remarks>
internal sealed class SieveParser
{
    /// <summary>Blocks and test lists nested deeper than this are refused (a stack guard against hostile scripts).</summary>
    public const int MaxNesting = 32;

    private readonly List<SieveToken> _tokens;
    private int _index;

    private SieveParser(List<SieveToken> tokens) => _tokens = tokens;

    public static IReadOnlyList<SieveCommandNode> Parse(string script)
    {
        var parser = new SieveParser(new SieveLexer(script).Tokenize());
        var commands = parser.Commands(0);
        var end = parser.Peek;
        if (end.Kind != SieveTokenKind.End)
            throw new SieveCompileException(end.Line, $"unexpected {Describe(end)}");
        return commands;
    }

    private SieveToken Peek => _tokens[_index];

    private SieveToken Take() => _tokens[_index++];

    private List<SieveCommandNode> Commands(int depth)
    {
        var list = new List<SieveCommandNode>();
        while (Peek.Kind == SieveTokenKind.Identifier)
            list.Add(Command(depth));
        return list;
    }

    private SieveCommandNode Command(int depth)
    {
        var name = Take();
        var (arguments, tests) = Arguments(depth);
        var next = Take();
        switch (next.Kind)
        {
            case SieveTokenKind.Semicolon:
                return new SieveCommandNode(name.Text, arguments, tests, null, name.Line);
            case SieveTokenKind.LeftBrace:
                if (depth + 1 > MaxNesting)
                    throw new SieveCompileException(next.Line, $"blocks nested deeper than {MaxNesting}");
                var block = Commands(depth + 1);
                var close = Take();
                if (close.Kind != SieveTokenKind.RightBrace)
                    throw new SieveCompileException(close.Line, $"expected '}}' or a command, found {Describe(close)}");
                return new SieveCommandNode(name.Text, arguments, tests, block, name.Line);
            default:
                throw new SieveCompileException(next.Line, $"expected ';' or '{{' after command '{name.Text}', found {Describe(next)}");
        }
    }

    private (List<SieveArgument>, List<SieveTestNode>) Arguments(int depth)
    {
        var arguments = new List<SieveArgument>();
        while (true)
        {
            var token = Peek;
            switch (token.Kind)
            {
                case SieveTokenKind.Tag:
                    Take();
                    arguments.Add(new SieveTagArgument(token.Text, token.Line));
                    continue;
                case SieveTokenKind.Number:
                    Take();
                    arguments.Add(new SieveNumberArgument(token.Number, token.Line));
                    continue;
                case SieveTokenKind.String:
                    Take();
                    arguments.Add(new SieveStringListArgument([token.Text], false, token.Line));
                    continue;
                case SieveTokenKind.LeftBracket:
                    arguments.Add(StringList());
                    continue;
            }
            break;
        }
        var tests = new List<SieveTestNode>();
        if (Peek.Kind == SieveTokenKind.Identifier)
        {
            tests.Add(Test(depth + 1));
        }
        else if (Peek.Kind == SieveTokenKind.LeftParen)
        {
            var open = Take();
            if (depth + 1 > MaxNesting)
                throw new SieveCompileException(open.Line, $"tests nested deeper than {MaxNesting}");
            while (true)
            {
                if (Peek.Kind != SieveTokenKind.Identifier)
                    throw new SieveCompileException(Peek.Line, $"expected a test, found {Describe(Peek)}");
                tests.Add(Test(depth + 1));
                var sep = Take();
                if (sep.Kind == SieveTokenKind.RightParen)
                    break;
                if (sep.Kind != SieveTokenKind.Comma)
                    throw new SieveCompileException(sep.Line, $"expected ',' or ')' in a test list, found {Describe(sep)}");
            }
        }
        return (arguments, tests);
    }

    private SieveTestNode Test(int depth)
    {
        if (depth > MaxNesting)
            throw new SieveCompileException(Peek.Line, $"tests nested deeper than {MaxNesting}");
        var name = Take();
        var (arguments, tests) = Arguments(depth);
        return new SieveTestNode(name.Text, arguments, tests, name.Line);
    }

    private SieveStringListArgument StringList()
    {
        var open = Take();
        var values = new List<string>();
        while (true)
        {
            var s = Take();
            if (s.Kind != SieveTokenKind.String)
                throw new SieveCompileException(s.Line, $"expected a string in a string list, found {Describe(s)}");
            values.Add(s.Text);
            var sep = Take();
            if (sep.Kind == SieveTokenKind.RightBracket)
                return new SieveStringListArgument(values, true, open.Line);
            if (sep.Kind != SieveTokenKind.Comma)
                throw new SieveCompileException(sep.Line, $"expected ',' or ']' in a string list, found {Describe(sep)}");
        }
    }

    private static string Describe(SieveToken t) => t.Kind switch
    {
        SieveTokenKind.End => "the end of the script",
        SieveTokenKind.Identifier => $"identifier '{t.Text}'",
        SieveTokenKind.Tag => $"tag ':{t.Text}'",
        SieveTokenKind.Number => "a number",
        SieveTokenKind.String => "a string",
        _ => $"'{t.Text}'",
    };
}
