using System.Globalization;
using HostingPanel.Bench.Load.Protocol;
using HostingPanel.Bench.Load.Report;

namespace HostingPanel.Bench.Load.Workloads;

/// <summary>
/// Guards the ratios against a fast but wrong server: after delivery both servers must hold the
/// same mailbox. Counts what either server must agree on (messages in INBOX over IMAP and POP3,
/// hits of the searches the IMAP mix runs); sizes are left out because each server adds its own
/// trace headers at delivery. The report shows both values; the ratio must be 1.00.
/// </summary>
internal static class ParityCheck
{
    public static readonly string[] Searches =
    [
        "SEARCH SUBJECT \"invoice\"",
        "SEARCH FROM \"alice\"",
        "SEARCH HEADER Message-ID \"1234.corpus\"",
        "SEARCH SUBJECT \"weekly\" NOT FROM \"bob\"",
        "SEARCH LARGER 1000000",
        "SEARCH TEXT \"Grüße\"",
    ];

    public static async Task<List<BenchResult>> RunAsync(Options o)
    {
        var server = o.String("server");
        var host = o.String("host", "127.0.0.1");
        var imapPort = o.Int("imap-port");
        var pop3Port = o.Int("pop3-port");
        var user = o.String("user");
        var password = o.String("password");
        o.EnsureAllRead();

        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        var ct = cts.Token;
        var results = new List<BenchResult>();
        // Port 0: the server has no such listener yet; its rows stay empty.
        if (imapPort != 0)
        {
            await using var imap = await ImapConnection.ConnectAsync(host, imapPort, ct).ConfigureAwait(false);
            if (!(await imap.LoginAsync(user, password, ct).ConfigureAwait(false)).Ok) throw new IOException("IMAP login failed");
            await imap.CommandAsync("EXAMINE INBOX", ct).ConfigureAwait(false);
            results.Add(Row("check.imap.exists", "Check: IMAP INBOX messages after delivery", server, imap.Exists));
            foreach (var search in Searches)
            {
                // Charset given so that the non-ASCII search is well defined on every server.
                var command = search.Contains('ü', StringComparison.Ordinal) ? search.Replace("SEARCH ", "SEARCH CHARSET UTF-8 ", StringComparison.Ordinal) : search;
                var r = await imap.CommandAsync(command, ct).ConfigureAwait(false);
                results.Add(Row("check." + search.ToLowerInvariant().Replace(' ', '-').Replace("\"", "", StringComparison.Ordinal),
                    $"Check: {search} hits", server, r.Ok ? imap.LastSearchHits : -1));
            }
            await imap.CommandAsync("LOGOUT", ct).ConfigureAwait(false);
        }
        if (pop3Port != 0)
        {
            await using var pop3 = await Pop3Connection.ConnectAsync(host, pop3Port, ct).ConfigureAwait(false);
            if (!await pop3.LoginAsync(user, password, ct).ConfigureAwait(false)) throw new IOException("POP3 login failed");
            results.Add(Row("check.pop3.stat", "Check: POP3 STAT messages", server, await pop3.StatAsync(ct).ConfigureAwait(false)));
            await pop3.QuitAsync(ct).ConfigureAwait(false);
        }
        return results;
    }

    private static BenchResult Row(string key, string label, string server, int value) => new()
    {
        Key = key, Label = label, Server = server, Unit = "count, must match", Value = value < 0 ? null : value,
        HigherIsBetter = true, Display = value < 0 ? "failed" : value.ToString(CultureInfo.InvariantCulture),
    };
}
