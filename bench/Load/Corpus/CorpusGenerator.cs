using System.Globalization;
using System.Text;

namespace HostingPanel.Bench.Load.Corpus;

/// <summary>
/// Writes a deterministic corpus: the same seed gives byte-identical files on every machine.
/// Sizes run from about 1 KB to 2 MB, skewed towards small messages as real mailboxes are; kinds are
/// plain text, HTML, multipart/alternative, multipart/mixed with attachments, non-ASCII headers
/// (RFC 2047 encoded words and raw UTF-8 per RFC 6532), and a few malformed messages.
/// Every file uses CRLF and keeps lines under 998 octets, so any SMTP or LMTP server accepts it.
/// </summary>
internal sealed class CorpusGenerator
{
    private static readonly string[] Words =
    [
        "account", "agenda", "budget", "change", "customer", "deadline", "delivery", "domain", "draft",
        "estimate", "feedback", "follow", "forecast", "hosting", "invoice", "meeting", "migration", "minutes",
        "notes", "offer", "order", "plan", "project", "proposal", "quota", "release", "report", "request",
        "review", "schedule", "server", "status", "summary", "support", "team", "ticket", "update", "weekly",
        "the", "a", "and", "of", "to", "in", "for", "with", "on", "from", "about", "next", "this", "we", "you",
    ];

    private static readonly string[] AsciiNames =
    [
        "Alice Martin", "Bob Keller", "Carol Nguyen", "David Olsen", "Erin Brooks", "Frank Weber",
        "Grace Lee", "Henry Dubois", "Irene Costa", "Jack Novak",
    ];

    // Names and subjects outside ASCII: accents, Greek, Cyrillic, CJK, emoji.
    private static readonly string[] UnicodeNames =
    [
        "Zoë Müller", "François Lefèvre", "Ελένη Παπαδοπούλου", "Дмитрий Иванов", "山田 太郎", "José Peña", "Łukasz Wójcik",
    ];

    private static readonly string[] UnicodeSubjects =
    [
        "Rückmeldung zum Angebot", "Réunion de l'équipe", "Προσφορά για φιλοξενία", "Отчёт за неделю", "会議の議事録",
        "Presupuesto año próximo", "Status update 🚀",
    ];

    private readonly int _count;
    private readonly Random _random;
    private readonly DateTimeOffset _baseDate = new(2026, 1, 5, 8, 0, 0, TimeSpan.Zero);

    public CorpusGenerator(int count, int seed)
    {
        _count = count;
        _random = new Random(seed);
    }

    public sealed record Entry(string File, int Size, string Kind);

    public IReadOnlyList<Entry> WriteTo(string directory)
    {
        Directory.CreateDirectory(directory);
        var entries = new List<Entry>(_count);
        foreach (var (entry, bytes) in Generate())
        {
            File.WriteAllBytes(Path.Combine(directory, entry.File), bytes);
            entries.Add(entry);
        }
        File.WriteAllLines(Path.Combine(directory, "manifest.tsv"),
            entries.Select(e => $"{e.File}\t{e.Size.ToString(CultureInfo.InvariantCulture)}\t{e.Kind}"));
        return entries;
    }

    /// <summary>The messages in order, without touching the disk (the micro-benchmarks use this).</summary>
    public IEnumerable<(Entry Entry, byte[] Bytes)> Generate()
    {
        var malformedEvery = Math.Max(_count / 20, 1); // 20 malformed messages in 2,000
        for (var i = 1; i <= _count; i++)
        {
            var target = i switch
            {
                1 => 1024,
                2 => 2 * 1024 * 1024 - 4096,
                _ => PickSize(),
            };
            string kind;
            byte[] bytes;
            if (i % malformedEvery == 7 % malformedEvery)
            {
                kind = "malformed";
                bytes = Malformed(i, target);
            }
            else
            {
                kind = PickKind(target);
                bytes = Build(i, target, kind);
            }
            var file = i.ToString("D4", CultureInfo.InvariantCulture) + ".eml";
            yield return (new Entry(file, bytes.Length, kind), bytes);
        }
    }

    private int PickSize()
    {
        var u = _random.NextDouble();
        var (lo, hi) = u switch
        {
            < 0.60 => (1_024, 10_240),
            < 0.85 => (10_240, 102_400),
            < 0.97 => (102_400, 512_000),
            _ => (1_048_576, 2_000_000),
        };
        // Log-uniform inside the band.
        return (int)Math.Exp(Math.Log(lo) + _random.NextDouble() * (Math.Log(hi) - Math.Log(lo)));
    }

    private string PickKind(int target)
    {
        var u = _random.NextDouble();
        if (target > 60_000) return u < 0.85 ? "mixed" : "plain";
        return u switch
        {
            < 0.40 => "plain",
            < 0.55 => "html",
            < 0.80 => "alternative",
            _ => "mixed",
        };
    }

    private byte[] Build(int index, int target, string kind)
    {
        var sb = new StringBuilder(target + 2048);
        var unicodeHeaders = _random.NextDouble() < 0.2;
        var boundary = "=_bench_" + index.ToString(CultureInfo.InvariantCulture) + "_" + _random.Next(100000, 999999).ToString(CultureInfo.InvariantCulture);
        WriteCommonHeaders(sb, index, unicodeHeaders, rawUtf8: unicodeHeaders && index % 10 == 3);
        var headerLength = sb.Length;
        var bodyBudget = Math.Max(target - headerLength - 60, 64);
        switch (kind)
        {
            case "plain":
                sb.Append("Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n");
                AppendText(sb, bodyBudget, unicodeHeaders);
                break;
            case "html":
                sb.Append("Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n");
                AppendHtml(sb, bodyBudget);
                break;
            case "alternative":
                sb.Append("Content-Type: multipart/alternative; boundary=\"").Append(boundary).Append("\"\r\n\r\n");
                sb.Append("This is a multi-part message in MIME format.\r\n");
                sb.Append("--").Append(boundary).Append("\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n");
                AppendText(sb, bodyBudget / 3, unicodeHeaders);
                sb.Append("--").Append(boundary).Append("\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n");
                AppendHtml(sb, bodyBudget * 2 / 3);
                sb.Append("--").Append(boundary).Append("--\r\n");
                break;
            default: // mixed: a short text, then one to three attachments sharing the rest
                sb.Append("Content-Type: multipart/mixed; boundary=\"").Append(boundary).Append("\"\r\n\r\n");
                sb.Append("--").Append(boundary).Append("\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n");
                var textSize = Math.Min(bodyBudget / 5, 4000);
                AppendText(sb, textSize, unicodeHeaders);
                var attachments = 1 + _random.Next(3);
                var remaining = bodyBudget - textSize;
                for (var a = 0; a < attachments; a++)
                {
                    var share = a == attachments - 1 ? remaining : remaining / (attachments - a) ;
                    remaining -= share;
                    AppendAttachment(sb, boundary, index, a, share, unicodeHeaders && a == 0);
                }
                sb.Append("--").Append(boundary).Append("--\r\n");
                break;
        }
        return Encoding.UTF8.GetBytes(sb.ToString());
    }

    private void WriteCommonHeaders(StringBuilder sb, int index, bool unicode, bool rawUtf8)
    {
        var date = _baseDate.AddMinutes(index * 37 + _random.Next(30));
        var fromName = unicode ? UnicodeNames[_random.Next(UnicodeNames.Length)] : AsciiNames[_random.Next(AsciiNames.Length)];
        var fromAddress = fromName.Split(' ')[0].ToLowerInvariant();
        if (!fromAddress.All(char.IsAsciiLetter)) fromAddress = "sender" + (index % 7).ToString(CultureInfo.InvariantCulture);
        var subject = unicode
            ? UnicodeSubjects[_random.Next(UnicodeSubjects.Length)] + " #" + index.ToString(CultureInfo.InvariantCulture)
            : Sentence(3 + _random.Next(6)) + " #" + index.ToString(CultureInfo.InvariantCulture);
        sb.Append("Return-Path: <").Append(fromAddress).Append("@example.net>\r\n");
        sb.Append("Received: from mx.example.net (mx.example.net [192.0.2.10])\r\n\tby mail.bench.test with ESMTPS id ")
          .Append(index.ToString("X8", CultureInfo.InvariantCulture)).Append("\r\n\tfor <u01@bench.test>; ")
          .Append(date.ToString("ddd, dd MMM yyyy HH:mm:ss +0000", CultureInfo.InvariantCulture)).Append("\r\n");
        sb.Append("Date: ").Append(date.ToString("ddd, dd MMM yyyy HH:mm:ss +0000", CultureInfo.InvariantCulture)).Append("\r\n");
        sb.Append("From: ").Append(rawUtf8 ? Quoted(fromName) : EncodeWord(fromName)).Append(" <").Append(fromAddress).Append("@example.net>\r\n");
        sb.Append("To: Bench User <u01@bench.test>\r\n");
        if (_random.NextDouble() < 0.3) sb.Append("Cc: ").Append(AsciiNames[_random.Next(AsciiNames.Length)]).Append(" <team@example.org>\r\n");
        sb.Append("Subject: ").Append(rawUtf8 ? subject : EncodeWord(subject)).Append("\r\n");
        sb.Append("Message-ID: <").Append(index.ToString(CultureInfo.InvariantCulture)).Append(".corpus@bench.test>\r\n");
        if (index > 10 && _random.NextDouble() < 0.3)
            sb.Append("In-Reply-To: <").Append((index - 1 - _random.Next(10)).ToString(CultureInfo.InvariantCulture)).Append(".corpus@bench.test>\r\n");
        sb.Append("MIME-Version: 1.0\r\n");
    }

    private static string Quoted(string s) => "\"" + s + "\"";

    /// <summary>RFC 2047 B-encoding for non-ASCII text, split into encoded words of at most 75 characters.</summary>
    private static string EncodeWord(string s)
    {
        if (s.All(c => c < 128)) return s;
        var parts = new List<string>();
        var bytes = new List<byte>();
        foreach (var rune in s.EnumerateRunes())
        {
            var runeBytes = Encoding.UTF8.GetBytes(rune.ToString());
            if (bytes.Count + runeBytes.Length > 42)
            {
                parts.Add("=?UTF-8?B?" + Convert.ToBase64String(bytes.ToArray()) + "?=");
                bytes.Clear();
            }
            bytes.AddRange(runeBytes);
        }
        if (bytes.Count > 0) parts.Add("=?UTF-8?B?" + Convert.ToBase64String(bytes.ToArray()) + "?=");
        return string.Join("\r\n ", parts);
    }

    private string Sentence(int words)
    {
        var sb = new StringBuilder();
        for (var i = 0; i < words; i++)
        {
            if (i > 0) sb.Append(' ');
            var w = Words[_random.Next(Words.Length)];
            sb.Append(i == 0 ? char.ToUpperInvariant(w[0]) + w[1..] : w);
        }
        return sb.ToString();
    }

    private void AppendText(StringBuilder sb, int budget, bool unicode)
    {
        var start = sb.Length;
        var column = 0;
        while (sb.Length - start < budget)
        {
            var w = unicode && _random.Next(12) == 0 ? "Grüße" : Words[_random.Next(Words.Length)];
            if (column + w.Length + 1 > 72)
            {
                sb.Append("\r\n");
                column = 0;
                if (_random.Next(8) == 0) sb.Append("\r\n");
                // A line that starts with a dot exercises dot-stuffing in every transport.
                if (_random.Next(50) == 0) { sb.Append(". "); column = 2; }
            }
            else if (column > 0)
            {
                sb.Append(' ');
                column++;
            }
            sb.Append(w);
            column += w.Length;
        }
        sb.Append("\r\n");
    }

    private void AppendHtml(StringBuilder sb, int budget)
    {
        var start = sb.Length;
        sb.Append("<html><head><meta charset=3D\"utf-8\"></head><body>\r\n");
        while (sb.Length - start < budget)
        {
            sb.Append("<p style=3D\"margin:0 0 8px\">").Append(Sentence(6 + _random.Next(8)))
              .Append(" <b>").Append(Words[_random.Next(Words.Length)]).Append("</b></p>\r\n");
        }
        sb.Append("</body></html>\r\n");
    }

    private void AppendAttachment(StringBuilder sb, string boundary, int index, int number, int budget, bool unicodeName)
    {
        // 57 raw bytes make one 76-character base64 line plus CRLF (78 bytes).
        var rawLength = Math.Max(budget * 57 / 78 - 300, 16);
        var (type, extension) = _random.Next(3) switch
        {
            0 => ("application/pdf", "pdf"),
            1 => ("image/png", "png"),
            _ => ("application/octet-stream", "bin"),
        };
        var name = unicodeName ? "Übersicht-" + index.ToString(CultureInfo.InvariantCulture) + "." + extension
                               : "file-" + index.ToString(CultureInfo.InvariantCulture) + "-" + number.ToString(CultureInfo.InvariantCulture) + "." + extension;
        var encodedName = EncodeWord(name);
        sb.Append("--").Append(boundary).Append("\r\n");
        sb.Append("Content-Type: ").Append(type).Append("; name=\"").Append(encodedName).Append("\"\r\n");
        sb.Append("Content-Disposition: attachment; filename=\"").Append(encodedName).Append("\"\r\n");
        sb.Append("Content-Transfer-Encoding: base64\r\n\r\n");
        var data = new byte[rawLength];
        _random.NextBytes(data);
        var base64 = Convert.ToBase64String(data);
        for (var i = 0; i < base64.Length; i += 76)
            sb.Append(base64, i, Math.Min(76, base64.Length - i)).Append("\r\n");
    }

    /// <summary>Messages real servers meet: every one still a valid SMTP payload, but broken as MIME.</summary>
    private byte[] Malformed(int index, int target)
    {
        var sb = new StringBuilder(target + 1024);
        var variant = index / Math.Max(_count / 20, 1) % 5;
        switch (variant)
        {
            case 0: // header block with a line that is not a header, and no Date or Message-ID
                sb.Append("From: broken@example.net\r\nTo: u01@bench.test\r\nSubject: missing colon below #").Append(index).Append("\r\n");
                sb.Append("this line is not a header\r\nX-Trailing: value\r\n\r\n");
                AppendText(sb, target - sb.Length, false);
                break;
            case 1: // multipart whose closing boundary never comes
                WriteCommonHeaders(sb, index, false, false);
                sb.Append("Content-Type: multipart/mixed; boundary=\"never-closed\"\r\n\r\n--never-closed\r\nContent-Type: text/plain\r\n\r\n");
                AppendText(sb, target - sb.Length, false);
                break;
            case 2: // multipart without a boundary parameter
                WriteCommonHeaders(sb, index, false, false);
                sb.Append("Content-Type: multipart/alternative\r\n\r\n");
                AppendText(sb, target - sb.Length, false);
                break;
            case 3: // invalid base64 and a broken encoded word
                WriteCommonHeaders(sb, index, false, false);
                sb.Append("X-Broken: =?UTF-8?B?not base64 at all?=\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n");
                while (sb.Length < target) sb.Append("!!!!not*base64&&&&").Append(Words[_random.Next(Words.Length)]).Append("\r\n");
                break;
            default: // unknown charset, raw 8-bit header bytes declared as us-ascii, deep nesting
                WriteCommonHeaders(sb, index, true, true);
                sb.Append("Content-Type: multipart/mixed; boundary=\"l0\"\r\n\r\n");
                for (var depth = 0; depth < 12; depth++)
                    sb.Append("--l").Append(depth).Append("\r\nContent-Type: multipart/mixed; boundary=\"l").Append(depth + 1).Append("\"\r\n\r\n");
                sb.Append("--l12\r\nContent-Type: text/plain; charset=x-unknown-charset\r\n\r\n");
                AppendText(sb, target - sb.Length, true);
                break;
        }
        return Encoding.UTF8.GetBytes(sb.ToString());
    }
}
