using HostingPanel.MailEngine.Protocol.Imap;
using HostingPanel.MailEngine.Protocol.Imap.Commands;
using HostingPanel.MailEngine.Sessions.Imap;

namespace HostingPanel.MailEngine.Tests.Imap;

/// <summary>A small in-memory store behind the session interfaces, for protocol tests only.</summary>
internal sealed class InMemoryImapStore : IImapAuthenticator
{
    private readonly Dictionary<string, (string Password, InMemoryImapAccount Account)> _users = new(StringComparer.OrdinalIgnoreCase);

    public InMemoryImapAccount AddUser(string user, string password, long? quotaBytes = null)
    {
        var account = new InMemoryImapAccount(user, quotaBytes);
        _users[user] = (password, account);
        return account;
    }

    public ValueTask<IImapAccount?> AuthenticateAsync(string userName, string password, ImapClientInfo client, CancellationToken cancellationToken) =>
        ValueTask.FromResult<IImapAccount?>(_users.TryGetValue(userName, out var u) && u.Password == password ? u.Account : null);
}

internal sealed class InMemoryFolderData(string name, uint uidValidity, string? specialUse)
{
    public string Name { get; set; } = name;
    public uint UidValidity { get; } = uidValidity;
    public uint UidNext { get; set; } = 1;
    public string? SpecialUse { get; } = specialUse;
    public bool Subscribed { get; set; } = true;
    public List<(ImapMessageMeta Meta, byte[] Raw)> Messages { get; } = [];
    public TaskCompletionSource Changed { get; private set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Signal()
    {
        var old = Changed;
        Changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        old.TrySetResult();
    }
}

internal sealed class InMemoryImapAccount : IImapAccount
{
    private readonly object _lock = new();
    private readonly Dictionary<string, InMemoryFolderData> _folders = new(StringComparer.Ordinal);
    private readonly long? _quota;
    private uint _nextValidity = 1000;
    private ulong _modSeq = 1;

    public InMemoryImapAccount(string user, long? quota)
    {
        UserName = user;
        _quota = quota;
        foreach (var (name, use) in new[] { ("INBOX", (string?)null), ("Sent", "\\Sent"), ("Drafts", "\\Drafts"), ("Trash", "\\Trash"), ("Junk", "\\Junk"), ("Archive", "\\Archive") })
        {
            _folders[name] = new InMemoryFolderData(name, _nextValidity++, use);
        }
    }

    public string UserName { get; }

    internal object Lock => _lock;

    internal ulong NextModSeq() => ++_modSeq;

    internal ulong HighestModSeq => _modSeq;

    internal long UsedBytes => _folders.Values.Sum(f => f.Messages.Sum(m => (long)m.Raw.Length));

    internal bool Fits(long extra) => _quota is null || UsedBytes + extra <= _quota;

    internal InMemoryFolderData? Folder(string name) => _folders.GetValueOrDefault(name);

    /// <summary>Delivers a message as the SMTP side would (for tests of EXISTS and IDLE).</summary>
    public uint Deliver(string folder, string raw, params string[] flags)
    {
        lock (_lock)
        {
            var data = _folders[folder];
            var uid = data.UidNext++;
            data.Messages.Add((new ImapMessageMeta(uid, flags, NextModSeq(), DateTimeOffset.UtcNow, raw.Length), System.Text.Encoding.UTF8.GetBytes(raw)));
            data.Signal();
            return uid;
        }
    }

    /// <summary>Makes folder listing fail as a broken store would (tests of what the server does with its own failures).</summary>
    public Exception? ListFailure { get; set; }

    public ValueTask<IReadOnlyList<ImapFolderInfo>> ListFoldersAsync(CancellationToken cancellationToken)
    {
        if (ListFailure is { } failure) throw failure;
        lock (_lock)
        {
            return ValueTask.FromResult<IReadOnlyList<ImapFolderInfo>>(_folders.Values.Select(f => new ImapFolderInfo(f.Name, f.SpecialUse, f.Subscribed)).ToList());
        }
    }

    public ValueTask<ImapStoreResult> CreateFolderAsync(string name, string? specialUse, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (_folders.ContainsKey(name))
            {
                return ValueTask.FromResult(new ImapStoreResult(ImapStoreError.AlreadyExists, "Mailbox exists."));
            }

            _folders[name] = new InMemoryFolderData(name, _nextValidity++, specialUse);
            return ValueTask.FromResult(ImapStoreResult.Ok);
        }
    }

    public ValueTask<ImapStoreResult> DeleteFolderAsync(string name, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return ValueTask.FromResult(_folders.Remove(name) ? ImapStoreResult.Ok : new ImapStoreResult(ImapStoreError.NonExistent));
        }
    }

    public ValueTask<ImapStoreResult> RenameFolderAsync(string from, string to, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (!_folders.Remove(from, out var data))
            {
                return ValueTask.FromResult(new ImapStoreResult(ImapStoreError.NonExistent));
            }

            if (_folders.ContainsKey(to))
            {
                _folders[from] = data;
                return ValueTask.FromResult(new ImapStoreResult(ImapStoreError.AlreadyExists));
            }

            data.Name = to;
            _folders[to] = data;
            return ValueTask.FromResult(ImapStoreResult.Ok);
        }
    }

    public ValueTask<ImapStoreResult> SetSubscribedAsync(string name, bool subscribed, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (!_folders.TryGetValue(name, out var data))
            {
                return ValueTask.FromResult(new ImapStoreResult(ImapStoreError.NonExistent));
            }

            data.Subscribed = subscribed;
            return ValueTask.FromResult(ImapStoreResult.Ok);
        }
    }

    public ValueTask<IImapFolder?> OpenFolderAsync(string name, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return ValueTask.FromResult<IImapFolder?>(_folders.TryGetValue(name, out var data) ? new InMemoryImapFolder(this, data) : null);
        }
    }

    public ValueTask<ImapAppendResult> AppendAsync(string folder, IReadOnlyList<ImapAppendMessage> messages, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (!_folders.TryGetValue(folder, out var data))
            {
                return ValueTask.FromResult(new ImapAppendResult(new ImapStoreResult(ImapStoreError.NonExistent), 0, []));
            }

            if (!Fits(messages.Sum(m => (long)m.Data.Length)))
            {
                return ValueTask.FromResult(new ImapAppendResult(new ImapStoreResult(ImapStoreError.OverQuota, "Quota exceeded."), 0, []));
            }

            var uids = new List<uint>();
            foreach (var message in messages)
            {
                var uid = data.UidNext++;
                uids.Add(uid);
                data.Messages.Add((new ImapMessageMeta(uid, message.Flags.ToList(), NextModSeq(), message.InternalDate ?? DateTimeOffset.UtcNow, message.Data.Length), message.Data.ToArray()));
            }

            data.Signal();
            return ValueTask.FromResult(new ImapAppendResult(ImapStoreResult.Ok, data.UidValidity, uids));
        }
    }

    public ValueTask<ImapQuotaUsage> GetQuotaAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return ValueTask.FromResult(new ImapQuotaUsage(UsedBytes, _quota, _folders.Values.Sum(f => f.Messages.Count), null));
        }
    }
}

internal sealed class InMemoryImapFolder(InMemoryImapAccount account, InMemoryFolderData data) : IImapFolder
{
    public string Name => data.Name;

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    public ValueTask<ImapFolderSnapshot> GetSnapshotAsync(CancellationToken cancellationToken)
    {
        lock (account.Lock)
        {
            return ValueTask.FromResult(new ImapFolderSnapshot(data.UidValidity, data.UidNext, account.HighestModSeq, data.Messages.Select(m => m.Meta).ToList()));
        }
    }

    public ValueTask<ulong> GetHighestModSeqAsync(CancellationToken cancellationToken)
    {
        lock (account.Lock)
        {
            return ValueTask.FromResult(account.HighestModSeq);
        }
    }

    public ValueTask<ImapMessageData?> LoadMessageAsync(uint uid, bool includeRaw, CancellationToken cancellationToken)
    {
        lock (account.Lock)
        {
            var found = data.Messages.FirstOrDefault(m => m.Meta.Uid == uid);
            if (found.Raw is null)
            {
                return ValueTask.FromResult<ImapMessageData?>(null);
            }

            // As a real store would: structures cached at delivery, the body only when asked for.
            var structure = Protocol.Imap.Mime.ImapMessageStructure.Parse(found.Raw);
            return ValueTask.FromResult<ImapMessageData?>(new ImapMessageData(
                includeRaw ? found.Raw : ReadOnlyMemory<byte>.Empty,
                Protocol.Imap.Mime.ImapEnvelopeWriter.ToBytes(structure.Root.Message),
                Protocol.Imap.Mime.ImapBodyStructureWriter.ToBytes(structure, extensible: true),
                Protocol.Imap.Mime.ImapBodyStructureWriter.ToBytes(structure, extensible: false)));
        }
    }

    public ValueTask<ImapStoreFlagsResult> StoreFlagsAsync(IReadOnlyList<uint> uids, ImapStoreMode mode, IReadOnlyList<string> flags, ulong? unchangedSince, CancellationToken cancellationToken)
    {
        lock (account.Lock)
        {
            var changed = new List<ImapMessageMeta>();
            var modified = new List<uint>();
            for (var i = 0; i < data.Messages.Count; i++)
            {
                var (meta, raw) = data.Messages[i];
                if (!uids.Contains(meta.Uid))
                {
                    continue;
                }

                if (unchangedSince is { } since && meta.ModSeq > since)
                {
                    modified.Add(meta.Uid);
                    continue;
                }

                var set = new List<string>(meta.Flags);
                switch (mode)
                {
                    case ImapStoreMode.Replace:
                        set = flags.Distinct().ToList();
                        break;
                    case ImapStoreMode.Add:
                        set.AddRange(flags.Where(f => !set.Contains(f)));
                        break;
                    case ImapStoreMode.Remove:
                        set.RemoveAll(flags.Contains);
                        break;
                }

                if (set.Order().SequenceEqual(meta.Flags.Order()))
                {
                    continue;
                }

                var updated = meta with { Flags = set, ModSeq = account.NextModSeq() };
                data.Messages[i] = (updated, raw);
                changed.Add(updated);
            }

            if (changed.Count > 0)
            {
                data.Signal();
            }

            return ValueTask.FromResult(new ImapStoreFlagsResult(changed, modified));
        }
    }

    public ValueTask<IReadOnlyList<uint>> ExpungeAsync(IReadOnlyList<uint>? uids, CancellationToken cancellationToken)
    {
        lock (account.Lock)
        {
            var removed = data.Messages.Where(m => m.Meta.Flags.Contains(ImapFlags.Deleted) && (uids is null || uids.Contains(m.Meta.Uid))).Select(m => m.Meta.Uid).ToList();
            data.Messages.RemoveAll(m => removed.Contains(m.Meta.Uid));
            if (removed.Count > 0)
            {
                account.NextModSeq();
                data.Signal();
            }

            return ValueTask.FromResult<IReadOnlyList<uint>>(removed);
        }
    }

    public ValueTask<ImapCopyResult> CopyToAsync(IReadOnlyList<uint> uids, string destination, bool move, CancellationToken cancellationToken)
    {
        lock (account.Lock)
        {
            var target = account.Folder(destination);
            if (target is null)
            {
                return ValueTask.FromResult(new ImapCopyResult(new ImapStoreResult(ImapStoreError.NonExistent), 0, [], []));
            }

            var sources = data.Messages.Where(m => uids.Contains(m.Meta.Uid)).ToList();
            if (!move && !account.Fits(sources.Sum(m => (long)m.Raw.Length)))
            {
                return ValueTask.FromResult(new ImapCopyResult(new ImapStoreResult(ImapStoreError.OverQuota, "Quota exceeded."), 0, [], []));
            }

            var destinationUids = new List<uint>();
            foreach (var (meta, raw) in sources)
            {
                var uid = target.UidNext++;
                destinationUids.Add(uid);
                target.Messages.Add((meta with { Uid = uid, ModSeq = account.NextModSeq() }, raw));
            }

            if (move)
            {
                data.Messages.RemoveAll(m => uids.Contains(m.Meta.Uid));
                data.Signal();
            }

            target.Signal();
            return ValueTask.FromResult(new ImapCopyResult(ImapStoreResult.Ok, target.UidValidity, sources.Select(s => s.Meta.Uid).ToList(), destinationUids));
        }
    }

    public Task WaitForChangeAsync(CancellationToken cancellationToken)
    {
        Task task;
        lock (account.Lock)
        {
            task = data.Changed.Task;
        }

        return task.WaitAsync(cancellationToken);
    }
}
