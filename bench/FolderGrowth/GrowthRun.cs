using System.Diagnostics;
using System.Globalization;
using HostingPanel.Bench.Load.Protocol;
using HostingPanel.MailEngine.Storage;

namespace HostingPanel.Bench.FolderGrowth;

/// <summary>One timed operation at one folder size: the median and the slowest of its repetitions, in ms.</summary>
internal sealed record GrowthRow(string Provider, int Messages, string Operation, double MedianMs, double MaxMs, string Note = "");

/// <summary>
/// The issue's operations against one seeded INBOX, each over a real socket: SELECT (first, with the
/// folder's list not yet cached by any session, and again), STATUS, the last 50 envelopes, UID SEARCH
/// UNSEEN, SORT by date, a QRESYNC resync after 100 changes, EXPUNGE of one message, and the managed
/// memory a selected session holds.
/// </summary>
internal sealed class GrowthRun(IServiceProvider services, int port, string provider, int repeat)
{
    private static readonly CancellationToken None = CancellationToken.None;

    public async Task<List<GrowthRow>> RunAsync(string address, int messages, long folderId)
    {
        var rows = new List<GrowthRow>();
        var store = (MailStore)services.GetService(typeof(MailStore))!;

        // SELECT: the first one builds the folder's list from the rows; later ones by other sessions share it.
        await using (var first = await LoginAsync(address))
            rows.Add(Row(messages, "SELECT (first)", [await TimeAsync(first, "SELECT INBOX")]));
        var selects = new List<double>();
        for (var i = 0; i < repeat; i++)
        {
            await using var again = await LoginAsync(address);
            selects.Add(await TimeAsync(again, "SELECT INBOX"));
        }
        rows.Add(Row(messages, "SELECT", selects));

        await using var a = await LoginAsync(address);
        rows.Add(Row(messages, "STATUS", await RepeatAsync(a, "STATUS INBOX (MESSAGES UNSEEN UIDNEXT HIGHESTMODSEQ SIZE)")));
        await CheckAsync(a, "SELECT INBOX");
        var uidNext = messages + 1;
        rows.Add(Row(messages, "FETCH last 50 envelopes", await RepeatAsync(a, $"UID FETCH {uidNext - 50}:* (UID FLAGS ENVELOPE)")));
        rows.Add(Row(messages, "UID SEARCH UNSEEN", await RepeatAsync(a, "UID SEARCH UNSEEN")));
        rows.Add(Row(messages, "SORT by date (first)", [await TimeAsync(a, "UID SORT (REVERSE DATE) UTF-8 ALL")]));
        rows.Add(Row(messages, "SORT by date", await RepeatAsync(a, "UID SORT (REVERSE DATE) UTF-8 ALL")));

        // QRESYNC (RFC 7162 3.2.5): a second session resyncs after the first changed 100 messages' flags.
        var resyncs = new List<double>();
        await using (var b = await LoginAsync(address))
        {
            await CheckAsync(b, "ENABLE QRESYNC");
            for (var i = 0; i < repeat; i++)
            {
                var folder = (await store.GetFolderByIdAsync(folderId))!;
                var step = Math.Max(1, messages / 100);
                var uids = string.Join(",", Enumerable.Range(0, 100).Select(k => (1 + ((k * step + i) % messages)).ToString(CultureInfo.InvariantCulture)));
                await CheckAsync(a, $"UID STORE {uids} {(i % 2 == 0 ? "+" : "-")}FLAGS.SILENT (\\Flagged)");
                resyncs.Add(await TimeAsync(b, $"SELECT INBOX (QRESYNC ({folder.UidValidity} {folder.HighestModSeq}))"));
                await CheckAsync(b, "UNSELECT");
            }
        }
        rows.Add(Row(messages, "QRESYNC resync after 100 changes", resyncs));

        var expunges = new List<double>();
        for (var i = 0; i < repeat; i++)
        {
            var uid = (messages / 2 + i).ToString(CultureInfo.InvariantCulture);
            await CheckAsync(a, $"UID STORE {uid} +FLAGS.SILENT (\\Deleted)");
            expunges.Add(await TimeAsync(a, $"UID EXPUNGE {uid}"));
        }
        rows.Add(Row(messages, "UID EXPUNGE of one", expunges));
        await CheckAsync(a, "LOGOUT");

        rows.Add(await MemoryAsync(address, messages));
        return rows;
    }

    /// <summary>
    /// Managed heap per selected session: ten sessions log in (not counted), then SELECT INBOX; the
    /// first selected session also holds the folder's list (shared by every later one, held weakly).
    /// The client side's buffers (same process) are allocated at connection, before the first reading.
    /// </summary>
    private async Task<GrowthRow> MemoryAsync(string address, int messages)
    {
        const int Sessions = 10;
        var sessions = new List<ImapConnection>();
        try
        {
            for (var i = 0; i < Sessions; i++)
                sessions.Add(await LoginAsync(address));
            var before = Heap();
            await CheckAsync(sessions[0], "SELECT INBOX");
            var afterFirst = Heap();
            for (var i = 1; i < Sessions; i++)
                await CheckAsync(sessions[i], "SELECT INBOX");
            var afterAll = Heap();
            var first = (afterFirst - before) / 1024.0;
            var each = (afterAll - afterFirst) / (double)(Sessions - 1) / 1024.0;
            return new GrowthRow(provider, messages, "memory: first selected session / each further one (KiB)", first, each,
                "heap after SELECT minus heap after LOGIN");
        }
        finally
        {
            foreach (var s in sessions)
                await s.DisposeAsync();
        }
    }

    private static long Heap()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        return GC.GetTotalMemory(forceFullCollection: true);
    }

    private async Task<ImapConnection> LoginAsync(string address)
    {
        var connection = await ImapConnection.ConnectAsync("127.0.0.1", port, None);
        var login = await connection.LoginAsync(address, FolderSeeder.Password, None);
        if (!login.Ok)
            throw new InvalidOperationException("LOGIN: " + login.Status);
        return connection;
    }

    private async Task<List<double>> RepeatAsync(ImapConnection c, string command)
    {
        var list = new List<double>(repeat);
        for (var i = 0; i < repeat; i++)
            list.Add(await TimeAsync(c, command));
        return list;
    }

    private static async Task<double> TimeAsync(ImapConnection c, string command)
    {
        var watch = Stopwatch.StartNew();
        await CheckAsync(c, command);
        return watch.Elapsed.TotalMilliseconds;
    }

    private static async Task CheckAsync(ImapConnection c, string command)
    {
        var result = await c.CommandAsync(command, None);
        if (!result.Ok)
            throw new InvalidOperationException(command + ": " + result.Status);
    }

    private GrowthRow Row(int messages, string operation, List<double> samples)
    {
        samples.Sort();
        return new GrowthRow(provider, messages, operation, samples[samples.Count / 2], samples[^1]);
    }
}
