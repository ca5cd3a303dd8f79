using System.Globalization;
using HostingPanel.MailEngine.Protocol.Imap;
using HostingPanel.MailEngine.Protocol.Imap.Commands;
using HostingPanel.MailEngine.Protocol.Imap.Mime;

namespace HostingPanel.MailEngine.Sessions.Imap.Handlers;

/// <summary>FETCH and UID FETCH (RFC 9051 6.4.5) with BINARY, CONDSTORE CHANGEDSINCE and QRESYNC VANISHED.</summary>
internal static class FetchHandler
{
    public static async ValueTask HandleAsync(ImapSession session, ImapCommand command, CancellationToken cancellationToken)
    {
        var fetch = (ImapFetchCommand)command;
        var mailbox = session.Selected!;
        var w = session.Writer;
        if (!fetch.Uid && mailbox.IsOutOfRange(fetch.Set))
        {
            w.Tagged(command.Tag, ImapStatus.Bad, "Invalid message sequence number.");
            return;
        }

        if (fetch.ChangedSince is not null || fetch.Items.Any(i => i.Kind == ImapFetchItemKind.ModSeq))
        {
            session.EnableCondStore();
        }

        if (fetch.Vanished)
        {
            if (!session.QresyncEnabled)
            {
                w.Tagged(command.Tag, ImapStatus.Bad, "QRESYNC must be enabled for VANISHED.");
                return;
            }

            var present = mailbox.Messages.Select(m => m.Uid).ToHashSet();
            var gone = fetch.Set.Expand(Math.Max(mailbox.UidNext - 1, mailbox.LargestUid)).Where(u => !present.Contains(u)).ToList();
            if (gone.Count > 0)
            {
                w.Untagged().Raw("VANISHED (EARLIER) "u8).Atom(ImapSequenceSetFormatter.Format(gone)).EndLine();
            }
        }

        var items = fetch.Items.ToList();
        if (fetch.Uid && !items.Any(i => i.Kind == ImapFetchItemKind.Uid))
        {
            items.Insert(0, ImapFetchItem.Uid);
        }

        if ((session.CondStoreEnabled && fetch.ChangedSince is not null) && !items.Any(i => i.Kind == ImapFetchItemKind.ModSeq))
        {
            items.Add(ImapFetchItem.ModSeq);
        }

        var failure = await WriteMessagesAsync(session, mailbox.Resolve(fetch.Set, fetch.Uid), items, fetch.ChangedSince, cancellationToken);
        await session.SyncSelectedAsync(allowExpunge: fetch.Uid, cancellationToken);
        if (failure == ImapResponseCode.UnknownCte)
        {
            w.Tagged(command.Tag, ImapStatus.No, "Unknown Content-Transfer-Encoding.", ImapResponseCode.UnknownCte);
        }
        else if (failure is not null)
        {
            w.Tagged(command.Tag, ImapStatus.No, failure, ImapResponseCode.ExpungeIssued);
        }
        else
        {
            w.Tagged(command.Tag, ImapStatus.Ok, "FETCH completed.");
        }
    }

    /// <summary>
    /// One FETCH response per message of <paramref name="sequences"/> with <paramref name="items"/>: FETCH itself, and
    /// NOTIFY's MessageNew with fetch attributes (RFC 5465 section 5.2) for messages the client has just been told of.
    /// </summary>
    /// <returns>Why some message could not be served (expunged meanwhile, unknown encoding), or null.</returns>
    internal static async ValueTask<string?> WriteMessagesAsync(ImapSession session, IReadOnlyList<uint> sequences, IReadOnlyList<ImapFetchItem> items,
        ulong? changedSince, CancellationToken cancellationToken)
    {
        var mailbox = session.Selected!;
        var plan = FetchPlan.For(items, mailbox);
        string? failure = null;
        for (var start = 0; start < sequences.Count; start += BatchSize)
        {
            // One store query (and only the needed bytes of each body) per batch instead of per message;
            // batches bound what is held in memory for a FETCH of many bodies.
            var batch = SelectBatch(mailbox, sequences, start, changedSince);
            var loaded = await LoadBatchAsync(mailbox, batch, plan.Load, cancellationToken);
            foreach (var (sequence, original) in batch)
            {
                ImapMessageData? data = null;
                if (loaded is not null)
                {
                    data = await CompleteAsync(mailbox, plan, original, loaded.GetValueOrDefault(original.Uid), cancellationToken);
                    if (data is null)
                    {
                        // Expunged by another session; its number stays until we may say EXPUNGE.
                        failure = "Some of the requested messages no longer exist.";
                        continue;
                    }
                }

                var (meta, addFlags) = plan.SetsSeen ? await MarkSeenAsync(session, original, items, cancellationToken) : (original, false);
                failure = WriteResponse(session, sequence, items, meta, data, plan.ExplicitModSeq, addFlags) ?? failure;
                await session.FlushIfLargeAsync(cancellationToken);
            }
        }

        return failure;
    }

    /// <summary>What a FETCH needs of each message, decided once from its items.</summary>
    private sealed record FetchPlan(ImapLoad Load, bool NeedsEnvelope, bool NeedsBodyStructure, bool NeedsBody, bool SetsSeen, bool ExplicitModSeq)
    {
        public static FetchPlan For(IReadOnlyList<ImapFetchItem> items, ImapSelectedMailbox mailbox)
        {
            var needsRaw = items.Any(i => i.Kind is ImapFetchItemKind.BodySection or ImapFetchItemKind.Binary or ImapFetchItemKind.BinarySize
                or ImapFetchItemKind.Rfc822 or ImapFetchItemKind.Rfc822Header or ImapFetchItemKind.Rfc822Text);
            var needsEnvelope = items.Any(i => i.Kind == ImapFetchItemKind.Envelope);
            var needsBodyStructure = items.Any(i => i.Kind == ImapFetchItemKind.BodyStructure);
            var needsBody = items.Any(i => i.Kind == ImapFetchItemKind.Body);
            var load = (needsEnvelope || needsBodyStructure || needsBody ? ImapLoad.Summaries : ImapLoad.None)
                | (!needsRaw ? ImapLoad.None : items.All(IsHeaderOnlyOrMeta) ? ImapLoad.Header : ImapLoad.Full);
            return new FetchPlan(load, needsEnvelope, needsBodyStructure, needsBody,
                SetsSeen: !mailbox.ReadOnly && items.Any(i => i.SetsSeen),
                ExplicitModSeq: items.Any(i => i.Kind == ImapFetchItemKind.ModSeq));
        }
    }

    /// <summary>The next batch of the message set, without those unchanged since CHANGEDSINCE (RFC 7162 3.1.4.1).</summary>
    private static List<(uint Sequence, ImapMessageMeta Meta)> SelectBatch(ImapSelectedMailbox mailbox, IReadOnlyList<uint> sequences, int start, ulong? changedSince)
    {
        var batch = new List<(uint Sequence, ImapMessageMeta Meta)>(Math.Min(BatchSize, sequences.Count - start));
        for (var i = start; i < sequences.Count && i < start + BatchSize; i++)
        {
            var meta = mailbox.BySequence(sequences[i]);
            if (changedSince is not { } since || meta.ModSeq > since)
            {
                batch.Add((sequences[i], meta));
            }
        }

        return batch;
    }

    /// <summary>One store query for the batch's messages; null when the items need nothing beyond the metadata.</summary>
    private static async ValueTask<Dictionary<uint, ImapMessageData>?> LoadBatchAsync(ImapSelectedMailbox mailbox,
        List<(uint Sequence, ImapMessageMeta Meta)> batch, ImapLoad load, CancellationToken cancellationToken)
    {
        if (load == ImapLoad.None || batch.Count == 0)
        {
            return null;
        }

        var list = await mailbox.Folder.LoadMessagesAsync(batch.ConvertAll(b => b.Meta.Uid), load, cancellationToken);
        var loaded = new Dictionary<uint, ImapMessageData>(list.Count);
        foreach (var d in list)
        {
            loaded[d.Uid] = d;
        }

        return loaded;
    }

    /// <summary>A message whose structures were not cached at delivery is read whole, to compute them; null once expunged.</summary>
    private static async ValueTask<ImapMessageData?> CompleteAsync(ImapSelectedMailbox mailbox, FetchPlan plan, ImapMessageMeta meta, ImapMessageData? data,
        CancellationToken cancellationToken)
    {
        if (data is not null && (plan.Load & ImapLoad.Full) == 0
            && ((plan.NeedsEnvelope && data.Envelope is null) || (plan.NeedsBodyStructure && data.BodyStructure is null) || (plan.NeedsBody && data.Body is null)))
        {
            // Not cached: compute from the message itself.
            return await mailbox.Folder.LoadMessageAsync(meta.Uid, includeRaw: true, cancellationToken);
        }

        return data;
    }

    /// <summary>
    /// BODY[...] without .PEEK sets \Seen (RFC 9051 6.4.5). Returns the message's new metadata, and whether FLAGS must be
    /// added to the response because the client did not ask for it.
    /// </summary>
    private static async ValueTask<(ImapMessageMeta Meta, bool AddFlags)> MarkSeenAsync(ImapSession session, ImapMessageMeta meta, IReadOnlyList<ImapFetchItem> items,
        CancellationToken cancellationToken)
    {
        if (meta.Flags.Contains(ImapFlags.Seen))
        {
            return (meta, false);
        }

        var mailbox = session.Selected!;
        var stored = await mailbox.Folder.StoreFlagsAsync([meta.Uid], ImapStoreMode.Add, [ImapFlags.Seen], null, cancellationToken);
        if (stored.Changed.FirstOrDefault() is not { } updated)
        {
            return (meta, false);
        }

        // Another session's keyword may come with it: FLAGS before the FETCH that shows it (RFC 9051 7.3.5).
        mailbox.AnnounceKeywords(session.Writer, updated.Flags);
        mailbox.Update(updated);
        return (updated, !items.Any(i => i.Kind == ImapFetchItemKind.Flags));
    }

    /// <summary>One message's untagged FETCH response; returns the last item's response code, if any failed.</summary>
    private static string? WriteResponse(ImapSession session, uint sequence, IReadOnlyList<ImapFetchItem> items, ImapMessageMeta meta, ImapMessageData? data,
        bool explicitModSeq, bool addFlags)
    {
        var w = session.Writer;
        string? failure = null;
        ImapMessageStructure? structure = null;
        w.Untagged().Number((ulong)sequence).Raw(" FETCH ("u8);
        var first = true;
        foreach (var item in items)
        {
            if (!first)
            {
                w.Space();
            }

            first = false;
            var error = WriteItem(session, item, meta, data, explicitModSeq, ref structure);
            if (error is not null)
            {
                failure = error;
            }
        }

        if (addFlags)
        {
            w.Raw(" FLAGS "u8).AtomList(session.Selected!.FlagsOf(meta));
            if (session.CondStoreEnabled && !explicitModSeq)
            {
                w.Raw(" MODSEQ ("u8).Number(meta.ModSeq).CloseList();
            }
        }

        w.CloseList().EndLine();
        return failure;
    }

    private const int BatchSize = 64;

    /// <summary>Items served from the metadata, the cache, or the top-level header block alone.</summary>
    private static bool IsHeaderOnlyOrMeta(ImapFetchItem item) => item.Kind switch
    {
        ImapFetchItemKind.Rfc822Header => true,
        ImapFetchItemKind.BodySection => IsTopLevelHeader(item.Section!),
        ImapFetchItemKind.Binary or ImapFetchItemKind.BinarySize or ImapFetchItemKind.Rfc822 or ImapFetchItemKind.Rfc822Text => false,
        _ => true,
    };

    private static bool IsTopLevelHeader(ImapSection section) =>
        section.Part.Count == 0 && section.Text is ImapSectionText.Header or ImapSectionText.HeaderFields or ImapSectionText.HeaderFieldsNot;

    /// <summary>[HEADER], [HEADER.FIELDS (...)] and [HEADER.FIELDS.NOT (...)] of the message from its header block alone.</summary>
    private static ReadOnlyMemory<byte> HeaderSection(ReadOnlyMemory<byte> header, ImapSection section) => section.Text switch
    {
        ImapSectionText.HeaderFields => ImapHeaderBlock.Filter(header.Span, section.Fields, exclude: false),
        ImapSectionText.HeaderFieldsNot => ImapHeaderBlock.Filter(header.Span, section.Fields, exclude: true),
        _ => header,
    };

    /// <returns>An error code when the item could not be served as asked (BINARY of an unknown encoding).</returns>
    /// <summary>
    /// One item of a message's FETCH response, read from as little as it needs: the metadata alone, the cached
    /// structures, the raw bytes, and only then a MIME parse (kept in <paramref name="structure"/> for the next items).
    /// Returns a response code (RFC 3516 UNKNOWN-CTE) when the item could not be given.
    /// </summary>
    private static string? WriteItem(ImapSession session, ImapFetchItem item, ImapMessageMeta meta, ImapMessageData? data, bool explicitModSeq, ref ImapMessageStructure? structure)
    {
        if (TryWriteMetadata(session, item, meta, explicitModSeq))
            return null;
        var w = session.Writer;
        if (TryWriteStructure(w, item, data!, ref structure) || TryWriteWithoutParse(w, item, data!))
            return null;
        structure ??= ImapMessageStructure.Parse(data!.Raw);
        return WriteParsedSection(w, item, structure, data!.Raw);
    }

    /// <summary>Items answered from the message's row: UID, FLAGS, MODSEQ, INTERNALDATE, RFC822.SIZE.</summary>
    private static bool TryWriteMetadata(ImapSession session, ImapFetchItem item, ImapMessageMeta meta, bool explicitModSeq)
    {
        var w = session.Writer;
        switch (item.Kind)
        {
            case ImapFetchItemKind.Uid:
                w.Raw("UID "u8).Number((ulong)meta.Uid);
                return true;
            case ImapFetchItemKind.Flags:
                w.Raw("FLAGS "u8).AtomList(session.Selected!.FlagsOf(meta));

                // RFC 7162 3.1.4.1: with CONDSTORE on, FLAGS comes with MODSEQ (once).
                if (session.CondStoreEnabled && !explicitModSeq)
                {
                    w.Raw(" MODSEQ ("u8).Number(meta.ModSeq).CloseList();
                }

                return true;
            case ImapFetchItemKind.ModSeq:
                w.Raw("MODSEQ ("u8).Number(meta.ModSeq).CloseList();
                return true;
            case ImapFetchItemKind.InternalDate:
                w.Raw("INTERNALDATE \""u8).Atom(FormatDate(meta.InternalDate)).Byte(ImapBytes.DoubleQuote);
                return true;
            case ImapFetchItemKind.Rfc822Size:
                w.Raw("RFC822.SIZE "u8).Number(meta.Size);
                return true;
            default:
                return false;
        }
    }

    /// <summary>ENVELOPE, BODYSTRUCTURE and BODY: cached at delivery, computed from the bytes for older messages.</summary>
    private static bool TryWriteStructure(ImapResponseWriter w, ImapFetchItem item, ImapMessageData data, ref ImapMessageStructure? structure)
    {
        var raw = data.Raw;
        switch (item.Kind)
        {
            case ImapFetchItemKind.Envelope:
                w.Raw("ENVELOPE "u8).Raw(data.Envelope ?? ImapEnvelopeWriter.ToBytes((structure ??= ImapMessageStructure.Parse(raw)).Root.Message));
                return true;
            case ImapFetchItemKind.BodyStructure:
                w.Raw("BODYSTRUCTURE "u8).Raw(data.BodyStructure ?? ImapBodyStructureWriter.ToBytes(structure ??= ImapMessageStructure.Parse(raw), extensible: true));
                return true;
            case ImapFetchItemKind.Body:
                w.Raw("BODY "u8).Raw(data.Body ?? ImapBodyStructureWriter.ToBytes(structure ??= ImapMessageStructure.Parse(raw), extensible: false));
                return true;
            default:
                return false;
        }
    }

    /// <summary>Items given straight from the bytes: the header block alone, RFC822 and BODY[] (the whole message).</summary>
    private static bool TryWriteWithoutParse(ImapResponseWriter w, ImapFetchItem item, ImapMessageData data)
    {
        var raw = data.Raw;
        if (data.HeaderOnly)
        {
            // Only top-level header items reach here (see IsHeaderOnlyOrMeta): no parse, no body read.
            if (item.Kind == ImapFetchItemKind.Rfc822Header)
            {
                w.Raw("RFC822.HEADER "u8).Literal(raw.Span);
            }
            else
            {
                w.Atom(item.ResponseName).Space().Literal(ImapSectionResolver.ApplyPartial(HeaderSection(raw, item.Section!), item.Partial).Span);
            }

            return true;
        }

        if (item.Kind == ImapFetchItemKind.Rfc822)
        {
            w.Raw("RFC822 "u8).Content(raw.Span);
            return true;
        }

        if (item.Kind == ImapFetchItemKind.BodySection && item.Section!.Part.Count == 0 && item.Section.Text == ImapSectionText.None)
        {
            // BODY[] is the whole message, as RFC822 is: no MIME parse of a body that may be megabytes.
            w.Atom(item.ResponseName).Space().Content(ImapSectionResolver.ApplyPartial(raw, item.Partial).Span);
            return true;
        }

        return false;
    }

    /// <summary>Sections that need the MIME structure: RFC822.HEADER/TEXT, BODY[section], BINARY[section] and BINARY.SIZE.</summary>
    private static string? WriteParsedSection(ImapResponseWriter w, ImapFetchItem item, ImapMessageStructure structure, ReadOnlyMemory<byte> raw)
    {
        switch (item.Kind)
        {
            case ImapFetchItemKind.Rfc822Header:
                w.Raw("RFC822.HEADER "u8);
                WriteSection(w, ImapSectionResolver.Body(structure, raw, new ImapSection([], ImapSectionText.Header, [])));
                return null;
            case ImapFetchItemKind.Rfc822Text:
                w.Raw("RFC822.TEXT "u8);
                WriteSection(w, ImapSectionResolver.Body(structure, raw, new ImapSection([], ImapSectionText.Text, [])));
                return null;
            case ImapFetchItemKind.BodySection:
                w.Atom(item.ResponseName).Space();
                WriteSection(w, ImapSectionResolver.Body(structure, raw, item.Section!, item.Partial));
                return null;
            case ImapFetchItemKind.Binary:
                return WriteBinary(w, item, structure, raw);
            case ImapFetchItemKind.BinarySize:
                return WriteBinarySize(w, item, structure, raw);
            default:
                return null;
        }
    }

    /// <summary>RFC 3516 BINARY[section]: decoded content, as literal8 when it holds NUL; NIL and UNKNOWN-CTE when undecodable.</summary>
    private static string? WriteBinary(ImapResponseWriter w, ImapFetchItem item, ImapMessageStructure structure, ReadOnlyMemory<byte> raw)
    {
        var binary = ImapSectionResolver.Binary(structure, raw, item.Section!, item.Partial);
        w.Atom(item.ResponseName).Space();
        if (binary.ErrorCode is not null)
        {
            w.Nil();
            return binary.ErrorCode;
        }

        if (binary.Data is { } bytes && binary.ContainsNul)
        {
            w.Literal8(bytes.Span);
        }
        else
        {
            WriteSection(w, binary);
        }

        return null;
    }

    /// <summary>RFC 3516 BINARY.SIZE[section]: the decoded size, NIL when undecodable.</summary>
    private static string? WriteBinarySize(ImapResponseWriter w, ImapFetchItem item, ImapMessageStructure structure, ReadOnlyMemory<byte> raw)
    {
        var (size, error) = ImapSectionResolver.BinarySize(structure, raw, item.Section!);
        w.Atom(item.ResponseName).Space();
        if (size is { } n)
        {
            w.Number(n);
        }
        else
        {
            w.Nil();
        }

        return error;
    }

    private static void WriteSection(ImapResponseWriter w, ImapSectionData section)
    {
        if (section.Data is { } bytes)
        {
            w.Content(bytes.Span);
        }
        else
        {
            w.Nil();
        }
    }

    /// <summary>date-time = DQUOTE date-day-fixed "-" date-month "-" date-year SP time SP zone DQUOTE.</summary>
    internal static string FormatDate(DateTimeOffset date)
    {
        var offset = date.Offset;
        var sign = offset < TimeSpan.Zero ? "-" : "+";
        offset = offset.Duration();
        var day = date.Day < 10 ? " " + date.Day.ToString(CultureInfo.InvariantCulture) : date.Day.ToString(CultureInfo.InvariantCulture);
        return day + date.ToString("-MMM-yyyy HH:mm:ss ", CultureInfo.InvariantCulture) + sign
            + offset.Hours.ToString("00", CultureInfo.InvariantCulture) + offset.Minutes.ToString("00", CultureInfo.InvariantCulture);
    }
}
