using MimeKit;

namespace HostingPanel.MailEngine.Protocol.Imap.Mime;

/// <summary>One MIME entity of a message with where its bytes are in the raw message.</summary>
public sealed class ImapBodyPart
{
    internal ImapBodyPart(MimeEntity entity, long headerStart, long contentStart, long contentEnd, int lines)
    {
        Entity = entity;
        HeaderStart = headerStart;
        ContentStart = contentStart;
        ContentEnd = contentEnd;
        Lines = lines;
    }

    public MimeEntity Entity { get; }

    /// <summary>Start of the part's MIME header (its [n.MIME] section).</summary>
    public long HeaderStart { get; }

    /// <summary>Start of the content: just past the blank line ending the header.</summary>
    public long ContentStart { get; }

    /// <summary>End of the content, before the CRLF that precedes the next boundary.</summary>
    public long ContentEnd { get; }

    public int Lines { get; }

    public long ContentLength => ContentEnd - ContentStart;

    public List<ImapBodyPart> Children { get; } = [];

    /// <summary>For message/rfc822 (and message/global) parts: the message inside.</summary>
    public ImapMessageNode? Message { get; internal set; }

    public bool IsMultipart => Entity is Multipart;
}

/// <summary>A message (the top one or an encapsulated one) and its byte ranges.</summary>
public sealed class ImapMessageNode
{
    internal ImapMessageNode(MimeMessage message, long headerStart, long bodyStart, long end, ImapBodyPart body)
    {
        Message = message;
        HeaderStart = headerStart;
        BodyStart = bodyStart;
        End = end;
        Body = body;
    }

    public MimeMessage Message { get; }

    public long HeaderStart { get; }

    /// <summary>Start of [TEXT]; the header range [HeaderStart, BodyStart) includes the blank line.</summary>
    public long BodyStart { get; }

    public long End { get; }

    public ImapBodyPart Body { get; }
}

/// <summary>
/// A message parsed once with MimeKit, keeping every entity's byte offsets, so sections are served
/// from the raw bytes exactly as delivered (never re-serialised).
/// </summary>
/// <remarks>
/// <see cref="ParserOptions.MaxMimeDepth"/> bounds nesting: past it MimeKit keeps the rest of the
/// tree as one opaque part, so 1,000 nested multiparts cost neither stack nor time.
/// </remarks>
public sealed class ImapMessageStructure
{
    public const int MaxMimeDepth = 64;

    private ImapMessageStructure(ImapMessageNode root, long size)
    {
        Root = root;
        Size = size;
    }

    public ImapMessageNode Root { get; }

    public long Size { get; }

    public static ParserOptions ParserOptions { get; } = CreateParserOptions();

    private static ParserOptions CreateParserOptions()
    {
        var options = ParserOptions.Default.Clone();
        options.MaxMimeDepth = MaxMimeDepth;
        return options;
    }

    public static ImapMessageStructure Parse(ReadOnlyMemory<byte> raw)
    {
        using var stream = System.Runtime.InteropServices.MemoryMarshal.TryGetArray(raw, out var segment)
            ? new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false)
            : new MemoryStream(raw.ToArray(), writable: false);
        return Parse(stream);
    }

    /// <summary>Parses from a seekable stream positioned at the start of the message.</summary>
    public static ImapMessageStructure Parse(Stream stream)
    {
        var entityBegin = new Dictionary<MimeEntity, long>(ReferenceEqualityComparer.Instance);
        var entityEnd = new Dictionary<MimeEntity, (long HeadersEnd, long End, int Lines)>(ReferenceEqualityComparer.Instance);
        var messageBegin = new Dictionary<MimeMessage, long>(ReferenceEqualityComparer.Instance);
        var messageEnd = new Dictionary<MimeMessage, (long HeadersEnd, long End)>(ReferenceEqualityComparer.Instance);
        var start = stream.Position;
        var parser = new MimeParser(ParserOptions, stream, MimeFormat.Entity, persistent: false);
        parser.MimeEntityBegin += (_, e) => entityBegin[e.Entity] = e.BeginOffset;
        parser.MimeEntityEnd += (_, e) => entityEnd[e.Entity] = (e.HeadersEndOffset, e.EndOffset, e.Lines);
        parser.MimeMessageBegin += (_, e) => messageBegin[e.Message] = e.BeginOffset;
        parser.MimeMessageEnd += (_, e) => messageEnd[e.Message] = (e.HeadersEndOffset, e.EndOffset);
        var message = parser.ParseMessage();
        var size = stream.Position - start;

        ImapMessageNode BuildMessage(MimeMessage m)
        {
            var (headersEnd, end) = messageEnd[m];
            return new ImapMessageNode(m, messageBegin[m], headersEnd, end, BuildPart(m.Body!));
        }

        ImapBodyPart BuildPart(MimeEntity entity)
        {
            var begin = entityBegin.GetValueOrDefault(entity);
            var (headersEnd, end, lines) = entityEnd.GetValueOrDefault(entity);
            var part = new ImapBodyPart(entity, begin, headersEnd, end, lines);
            if (entity is Multipart multipart)
            {
                foreach (var child in multipart)
                {
                    part.Children.Add(BuildPart(child));
                }
            }
            else if (MimeEncapsulation.TryGetMessage(entity, out var inner) && messageEnd.ContainsKey(inner))
            {
                part.Message = BuildMessage(inner);
            }

            return part;
        }

        if (message.Body is null)
        {
            // No body at all (a header without the blank line): stand in an empty text part.
            message.Body = new TextPart("plain");
            entityBegin[message.Body] = 0;
            entityEnd[message.Body] = (messageEnd[message].HeadersEnd, messageEnd[message].End, 0);
        }

        return new ImapMessageStructure(BuildMessage(message), size);
    }

    /// <summary>
    /// Finds a part by IMAP part number (RFC 9051 section 6.4.5): a non-multipart message has only
    /// part 1 (its body); inside a message/rfc822 part, numbers continue into the encapsulated message.
    /// </summary>
    public ImapBodyPart? FindPart(IReadOnlyList<int> path)
    {
        if (path.Count == 0)
        {
            return Root.Body;
        }

        var part = Step(Root, path[0]);
        for (var i = 1; i < path.Count && part is not null; i++)
        {
            if (part.IsMultipart)
            {
                part = path[i] <= part.Children.Count ? part.Children[path[i] - 1] : null;
            }
            else if (part.Message is { } inner)
            {
                part = Step(inner, path[i]);
            }
            else
            {
                part = null;
            }
        }

        return part;
    }

    private static ImapBodyPart? Step(ImapMessageNode message, int number)
    {
        var body = message.Body;
        if (body.IsMultipart)
        {
            return number <= body.Children.Count ? body.Children[number - 1] : null;
        }

        return number == 1 ? body : null;
    }
}
