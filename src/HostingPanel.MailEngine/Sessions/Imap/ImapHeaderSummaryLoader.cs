using HostingPanel.MailEngine.Protocol.Imap.Search;

namespace HostingPanel.MailEngine.Sessions.Imap;

/// <summary>Builds header summaries from header blocks, a batch (one store query) at a time.</summary>
public static class ImapHeaderSummaryLoader
{
    // Header blocks are small: batches of this many messages keep a query's parameter list reasonable.
    private const int BatchMessages = 500;

    /// <summary>
    /// Loads the header blocks of <c>uids[i]</c> for each i in <paramref name="positions"/> and puts their
    /// summaries at <c>result[i]</c> (left null for a message gone meanwhile); <paramref name="parsed"/>
    /// sees each new one (a cache keeps it). The UIDs are distinct (a snapshot's).
    /// </summary>
    public static async ValueTask FillAsync(IImapFolder folder, IReadOnlyList<uint> uids, IReadOnlyList<int> positions, ImapHeaderSummary?[] result,
        Action<uint, ImapHeaderSummary>? parsed, CancellationToken cancellationToken)
    {
        for (var start = 0; start < positions.Count; start += BatchMessages)
        {
            var count = Math.Min(BatchMessages, positions.Count - start);
            var byUid = new Dictionary<uint, int>(count);
            var batch = new List<uint>(count);
            for (var k = start; k < start + count; k++)
            {
                var uid = uids[positions[k]];
                if (byUid.TryAdd(uid, positions[k]))
                {
                    batch.Add(uid);
                }
            }

            foreach (var data in await folder.LoadMessagesAsync(batch, ImapLoad.Header, cancellationToken))
            {
                if (!byUid.TryGetValue(data.Uid, out var position))
                {
                    continue;
                }

                var summary = ImapHeaderSummary.Parse(data.Raw);
                parsed?.Invoke(data.Uid, summary);
                result[position] = summary;
            }
        }
    }
}
