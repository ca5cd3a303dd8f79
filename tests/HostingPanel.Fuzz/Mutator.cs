using System.Text;

namespace HostingPanel.Fuzz;

/// <summary>
/// Deterministic mutations (one <see cref="Random"/> with a seed): bit flips, interesting bytes and
/// numbers, deletions, insertions, duplications (which grow nesting), splices with another corpus
/// entry and protocol tokens. Stacked 1 to 4 at a time, as AFL's havoc stage does.
/// </summary>
internal sealed class Mutator(Random random, int maxLength)
{
    private static readonly byte[] InterestingBytes = "\0\r\n \t\"\\{}()[]<>&-+,@:.*%~=;'?/"u8.ToArray().Concat(new byte[] { 0x7F, 0x80, 0xC3, 0xE9, 0xFF }).ToArray();

    private static readonly byte[][] Tokens = new[]
    {
        "\r\n", "\n", "\r", "{5}\r\n", "{5+}\r\n", "{0}\r\n", "~{3}\r\n", "{99999999999}\r\n", "{4294967296+}\r\n",
        "\"", "\\\"", "NIL", "()", "(((", ")))", "[]", "<0.10>", "<4294967295.1>", "BODY[", "BODY.PEEK[1.2.MIME]",
        "APPEND", "FETCH", "SEARCH", "UID", "STORE", "LOGIN", "AUTHENTICATE", "STARTTLS", "IDLE", "DONE", "CREATE",
        "&-", "&AOk-", "&AAA-", "&2D3eAA-", "&", "INBOX", "*", "%", "1:*", "4294967295", "0",
        "USER", "PASS", "RETR", "TOP", "APOP", "UIDL", "STLS", "CAPA",
        "MAIL FROM:<", "RCPT TO:<", ">", " SIZE=", " BODY=8BITMIME", " SMTPUTF8", "EHLO ", "HELO [127.0.0.1]", "[IPv6:::1]",
        "@", "@example.com", "\"quoted local\"", "xn--", "..", ".", "a@b@c", "=?utf-8?q?=E9?=", "\u00e9", "\u4e2d",
    }.Select(Encoding.UTF8.GetBytes).ToArray();

    private static readonly string[] InterestingNumbers = ["0", "1", "-1", "255", "256", "65535", "2147483647", "2147483648", "4294967295", "4294967296", "18446744073709551616", "99999999999999999999999"];

    public byte[] Mutate(byte[] parent, IReadOnlyList<byte[]> corpus)
    {
        var data = new List<byte>(parent);
        var count = 1 + random.Next(4);
        for (var i = 0; i < count; i++)
            MutateOnce(data, corpus);
        if (data.Count > maxLength)
            data.RemoveRange(maxLength, data.Count - maxLength);
        return data.ToArray();
    }

    private void MutateOnce(List<byte> data, IReadOnlyList<byte[]> corpus)
    {
        switch (random.Next(data.Count == 0 ? 3 : 10))
        {
            case 0:
                data.InsertRange(Position(data, inclusive: true), Tokens[random.Next(Tokens.Length)]);
                break;
            case 1:
                data.Insert(Position(data, inclusive: true), InterestingBytes[random.Next(InterestingBytes.Length)]);
                break;
            case 2:
                var other = corpus[random.Next(corpus.Count)];
                if (other.Length > 0)
                {
                    var from = random.Next(other.Length);
                    data.InsertRange(Position(data, inclusive: true), other.Skip(from).Take(1 + random.Next(other.Length - from)));
                }
                break;
            case 3:
                data[random.Next(data.Count)] ^= (byte)(1 << random.Next(8));
                break;
            case 4:
                data[random.Next(data.Count)] = (byte)random.Next(256);
                break;
            case 5:
                data[random.Next(data.Count)] = InterestingBytes[random.Next(InterestingBytes.Length)];
                break;
            case 6:
                {
                    var at = random.Next(data.Count);
                    data.RemoveRange(at, 1 + random.Next(Math.Min(16, data.Count - at)));
                    break;
                }
            case 7:
                {
                    // Duplicate a range several times: deep nesting and long runs come from here.
                    var at = random.Next(data.Count);
                    var chunk = data.GetRange(at, 1 + random.Next(Math.Min(8, data.Count - at)));
                    var times = 1 + random.Next(random.Next(2) == 0 ? 4 : 200);
                    for (var t = 0; t < times && data.Count < maxLength; t++)
                        data.InsertRange(at, chunk);
                    break;
                }
            case 8:
                ReplaceNumber(data);
                break;
            default:
                data.Insert(Position(data, inclusive: true), (byte)random.Next(256));
                break;
        }
    }

    private void ReplaceNumber(List<byte> data)
    {
        var digits = Enumerable.Range(0, data.Count).Where(i => data[i] is >= (byte)'0' and <= (byte)'9').ToList();
        var replacement = Encoding.ASCII.GetBytes(InterestingNumbers[random.Next(InterestingNumbers.Length)]);
        if (digits.Count == 0)
        {
            data.InsertRange(Position(data, inclusive: true), replacement);
            return;
        }
        var start = digits[random.Next(digits.Count)];
        var end = start;
        while (end < data.Count && data[end] is >= (byte)'0' and <= (byte)'9')
            end++;
        data.RemoveRange(start, end - start);
        data.InsertRange(start, replacement);
    }

    private int Position(List<byte> data, bool inclusive) => random.Next(data.Count + (inclusive ? 1 : 0));
}
