using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace HostingPanel.MailEngine.Tests.ImapServer;

/// <summary>
/// Clients that do not pipeline and leave Nagle's algorithm on (Python's imaplib, many desktop programs)
/// write a literal and its closing CRLF as two writes and wait for every reply. When a reply waits for
/// the client's delayed ACK (at least 40 ms on Linux, TCP_DELACK_MIN) every such command takes 40 ms or
/// more, every time: imaptest's APPEND with a synchronizing literal took 44.5 ms at p50 against Dovecot's
/// 0.1 ms. The stall is systematic, so the fastest of many round trips shows it; a loaded machine makes
/// some round trips slow, never all of them.
/// </summary>
public sealed class ImapServerDelayedAckTests
{
    private const string User = "nagle@example.com";
    private const int Rounds = 20;
    private static readonly TimeSpan DelayedAck = TimeSpan.FromMilliseconds(40);

    [Fact]
    public async Task OneCommandAtATime_SynchronizingLiteralsAndLoginWithALiteral_NoReplyWaitsForTheClientsDelayedAck()
    {
        await using var engine = await EngineHost.StartAsync();
        await engine.CreateMailboxAsync(User);

        var login = new List<TimeSpan>();
        var append = new List<TimeSpan>();
        var noop = new List<TimeSpan>();
        var fetch = new List<TimeSpan>();
        var message = "From: a@example.com\r\nSubject: nagle\r\n\r\n" + new string('x', 600) + "\r\n";
        // LOGIN needs the not-authenticated state, once per connection: a few connections, each first past
        // the kernel's quick-ACK start (its first segments are ACKed at once, which would hide a stall).
        for (var c = 0; c < 5; c++)
        {
            using var tcp = new TcpClient { NoDelay = false };
            await tcp.ConnectAsync("127.0.0.1", engine.ImapPort);
            var client = new NaglingClient(tcp.GetStream());
            Assert.StartsWith("* OK", await client.ReadLineAsync());
            for (var i = 0; i < 20; i++)
                await client.CommandAsync($"w{i} CAPABILITY");
            // Both arguments as synchronizing literals (RFC 9051 4.3): two continuation requests.
            login.Add(await client.TimeAsync("l", $"l LOGIN {{{User.Length}}}", User, $" {{{EngineHost.Password.Length}}}", EngineHost.Password, ""));
            Assert.StartsWith("l OK", client.LastTagged);
            if (c > 0)
                continue;

            Assert.StartsWith("s OK", (await client.CommandAsync("s SELECT INBOX"))[^1]);
            for (var i = 0; i < Rounds; i++)
            {
                append.Add(await client.TimeAsync("a" + i, $"a{i} APPEND INBOX {{{message.Length}}}", message, ""));
                Assert.StartsWith($"a{i} OK", client.LastTagged);
                noop.Add(await client.TimeAsync("n" + i, $"n{i} NOOP"));
                fetch.Add(await client.TimeAsync("f" + i, $"f{i} FETCH 1:* (FLAGS)"));
            }
        }

        Assert.True(login.Min() < DelayedAck, $"LOGIN with two literals: fastest of {login.Count} took {login.Min().TotalMilliseconds:F1} ms");
        Assert.True(append.Min() < DelayedAck, $"APPEND with a synchronizing literal: fastest of {Rounds} took {append.Min().TotalMilliseconds:F1} ms");
        Assert.True(noop.Min() < DelayedAck, $"NOOP: fastest of {Rounds} took {noop.Min().TotalMilliseconds:F1} ms");
        Assert.True(fetch.Min() < DelayedAck, $"FETCH: fastest of {Rounds} took {fetch.Min().TotalMilliseconds:F1} ms");
    }

    /// <summary>
    /// Writes the way imaplib does: the command line, then after each continuation request the literal
    /// and the rest of the line as separate writes; reads every reply before the next command.
    /// </summary>
    private sealed class NaglingClient(NetworkStream stream)
    {
        private readonly StreamReader _reader = new(stream, Encoding.ASCII);

        public string LastTagged { get; private set; } = "";

        public async Task<string?> ReadLineAsync()
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            return await _reader.ReadLineAsync(timeout.Token);
        }

        private async Task WriteAsync(string text)
        {
            await stream.WriteAsync(Encoding.ASCII.GetBytes(text));
            await stream.FlushAsync();
        }

        public async Task<List<string>> CommandAsync(string line)
        {
            await WriteAsync(line + "\r\n");
            return await ReadTaggedAsync(line.Split(' ')[0]);
        }

        /// <summary>
        /// <paramref name="first"/> ends in a literal's <c>{n}</c> when <paramref name="parts"/> follow; parts
        /// alternate literal, rest of line (which may announce the next literal); the last rest ends the command.
        /// </summary>
        public async Task<TimeSpan> TimeAsync(string tag, string first, params string[] parts)
        {
            var clock = Stopwatch.StartNew();
            await WriteAsync(first + "\r\n");
            for (var i = 0; i < parts.Length; i += 2)
            {
                var continuation = await ReadLineAsync();
                Assert.True(continuation?.StartsWith('+') == true, $"expected a continuation request, got {continuation}");
                await WriteAsync(parts[i]);
                await WriteAsync(parts[i + 1] + "\r\n");
            }

            await ReadTaggedAsync(tag);
            return clock.Elapsed;
        }

        private async Task<List<string>> ReadTaggedAsync(string tag)
        {
            var lines = new List<string>();
            while (await ReadLineAsync() is { } line)
            {
                lines.Add(line);
                if (line.StartsWith(tag + " ", StringComparison.Ordinal))
                {
                    LastTagged = line;
                    break;
                }
            }

            return lines;
        }
    }
}
