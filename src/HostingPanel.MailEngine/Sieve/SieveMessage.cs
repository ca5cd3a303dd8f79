using System.Text;
using MimeKit;
using MimeKit.Text;

namespace HostingPanel.MailEngine.Sieve;

/// <summary>
/// What a script may look at: the header (parsed once, values unfolded and RFC 2047-decoded as
/// RFC 5228 section 2.7.2 asks), the envelope, the size, and the body (parsed only when a body test asks).
/// </summary>
public sealed class SieveMessage
{
    private HeaderList _headers;
    private bool _edited;
    private readonly Func<MimeMessage>? _loadMessage;
    private Dictionary<string, List<string>>? _byName;
    private MimeMessage? _message;

    /// <param name="envelopeFrom">The reverse path without brackets; "" for the null sender.</param>
    /// <param name="envelopeTo">The recipient address this copy is delivered for.</param>
    /// <param name="loadMessage">Parses the whole message; needed only by the body test.</param>
    public SieveMessage(HeaderList headers, long size, string envelopeFrom, string envelopeTo, Func<MimeMessage>? loadMessage = null)
    {
        _headers = headers;
        Size = size;
        EnvelopeFrom = envelopeFrom;
        EnvelopeTo = envelopeTo;
        _loadMessage = loadMessage;
    }

    /// <summary>From the message bytes (tests, the benchmark, ManageSieve-free callers).</summary>
    public static SieveMessage Parse(byte[] message, string envelopeFrom, string envelopeTo)
    {
        var headers = HeaderList.Load(new MemoryStream(message, writable: false));
        return new SieveMessage(headers, message.Length, envelopeFrom, envelopeTo,
            () => MimeMessage.Load(new MemoryStream(message, writable: false)));
    }

    public long Size { get; }
    public string EnvelopeFrom { get; }
    public string EnvelopeTo { get; }
    public HeaderList Headers => _headers;

    /// <summary>
    /// The header as editheader left it so far, or null when unedited. Every edit builds a new list, so the
    /// reference an action took stays what the message looked like at that action (RFC 5293 section 7).
    /// </summary>
    public HeaderList? EditedHeaders => _edited ? _headers : null;

    /// <summary>RFC 5293 section 4: on top (below this server's Return-Path) or, with <paramref name="last"/>, at the end.</summary>
    internal void AddHeader(string field, string value, bool last)
    {
        var copy = CopyForEdit();
        var header = new Header(Encoding.UTF8, field, value);
        if (last)
        {
            copy.Add(header);
        }
        else
        {
            var at = 0;
            while (at < copy.Count && copy[at].Field.Equals("Return-Path", StringComparison.OrdinalIgnoreCase))
                at++;
            copy.Insert(at, header);
        }
        Commit(copy);
    }

    /// <summary>
    /// RFC 5293 section 5: removes the fields named <paramref name="field"/> whose value <paramref name="matches"/>
    /// (null: any); with <paramref name="index"/> &gt; 0 only that occurrence, counted from the end with <paramref name="last"/>.
    /// </summary>
    internal int DeleteHeaders(string field, int index, bool last, Func<string, bool>? matches)
    {
        var positions = new List<int>();
        for (var i = 0; i < _headers.Count; i++)
        {
            if (_headers[i].Field.Equals(field, StringComparison.OrdinalIgnoreCase))
                positions.Add(i);
        }
        if (index > 0)
        {
            if (index > positions.Count)
                return 0;
            positions = [positions[last ? positions.Count - index : index - 1]];
        }
        if (matches is not null)
            positions = positions.Where(i => matches(_headers[i].Value.Trim())).ToList();
        if (positions.Count == 0)
            return 0;
        var copy = CopyForEdit();
        for (var k = positions.Count - 1; k >= 0; k--)
            copy.RemoveAt(positions[k]);
        Commit(copy);
        return positions.Count;
    }

    private HeaderList CopyForEdit()
    {
        var copy = new HeaderList();
        foreach (var header in _headers)
            copy.Add(header.Clone());
        return copy;
    }

    private void Commit(HeaderList headers)
    {
        _headers = headers;
        _edited = true;
        _byName = null;
    }

    /// <summary>The values of every field named <paramref name="name"/> (case-insensitive), in order.</summary>
    public IReadOnlyList<string> Header(string name)
    {
        if (_byName is null)
        {
            var map = new Dictionary<string, List<string>>(_headers.Count, StringComparer.OrdinalIgnoreCase);
            foreach (var header in _headers)
            {
                if (!map.TryGetValue(header.Field, out var list))
                    map[header.Field] = list = new List<string>(1);
                list.Add(header.Value.Trim());
            }
            _byName = map;
        }
        return _byName.TryGetValue(name, out var values) ? values : [];
    }

    /// <summary>The addresses in every field named <paramref name="name"/>; a value that does not parse is kept whole.</summary>
    public void Addresses(string name, List<string> into)
    {
        foreach (var value in Header(name))
        {
            if (InternetAddressList.TryParse(value, out var list))
            {
                foreach (var mailbox in list.Mailboxes)
                    into.Add(mailbox.Address);
            }
            else if (value.Length > 0)
            {
                into.Add(value);
            }
        }
    }

    private MimeMessage? Message => _message ??= _loadMessage?.Invoke();

    /// <summary>RFC 5173: the body as the transform asks, one string per part (:raw: one string).</summary>
    internal IReadOnlyList<string> Body(SieveBodyTransform transform, string[] contentTypes)
    {
        var message = Message;
        if (message is null)
            return [];
        var result = new List<string>();
        if (transform == SieveBodyTransform.Raw)
        {
            using var buffer = new MemoryStream();
            message.Body?.WriteTo(FormatOptions.Default, buffer, contentOnly: true);
            result.Add(Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length));
            return result;
        }
        foreach (var entity in Walk(message.Body))
        {
            var type = entity.ContentType;
            if (transform == SieveBodyTransform.Content)
            {
                if (!contentTypes.Any(t => TypeMatches(type, t)))
                    continue;
                if (entity is TextPart t1)
                    result.Add(t1.Text);
                else if (entity is MimePart part && part.Content is not null)
                {
                    using var decoded = new MemoryStream();
                    part.Content.DecodeTo(decoded);
                    result.Add(Encoding.UTF8.GetString(decoded.GetBuffer(), 0, (int)decoded.Length));
                }
                continue;
            }
            // :text: the text of every text/* part; HTML turned into text (as Pigeonhole does).
            if (entity is TextPart text)
                result.Add(text.IsHtml ? HtmlText(text.Text) : text.Text);
        }
        return result;
    }

    /// <summary>The character data of an HTML part (tags dropped, entities decoded).</summary>
    private static string HtmlText(string html)
    {
        var sb = new StringBuilder(html.Length);
        var tokenizer = new HtmlTokenizer(new StringReader(html));
        while (tokenizer.ReadNextToken(out var token))
        {
            if (token is HtmlDataToken data)
                sb.Append(data.Data);
            else if (token is HtmlTagToken { Name: "br" or "p" or "div" or "tr" or "li" })
                sb.Append('\n');
        }
        return sb.ToString();
    }

    private static IEnumerable<MimeEntity> Walk(MimeEntity? entity)
    {
        switch (entity)
        {
            case null:
                yield break;
            case Multipart multipart:
                foreach (var child in multipart)
                    foreach (var e in Walk(child))
                        yield return e;
                break;
            case MessagePart { Message: { } inner }:
                yield return entity;
                foreach (var e in Walk(inner.Body))
                    yield return e;
                break;
            default:
                yield return entity;
                break;
        }
    }

    /// <summary>RFC 5173 section 5.2: "" matches everything, "text" every text/*, "text/plain" exactly.</summary>
    private static bool TypeMatches(ContentType type, string wanted)
    {
        if (wanted.Length == 0)
            return true;
        var slash = wanted.IndexOf('/');
        if (slash < 0)
            return type.MediaType.Equals(wanted, StringComparison.OrdinalIgnoreCase);
        return type.MediaType.Equals(wanted[..slash], StringComparison.OrdinalIgnoreCase)
            && type.MediaSubtype.Equals(wanted[(slash + 1)..], StringComparison.OrdinalIgnoreCase);
    }
}
