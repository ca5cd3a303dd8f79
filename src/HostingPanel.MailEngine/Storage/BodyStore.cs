using HostingPanel.MailEngine.Hosting;
using Microsoft.Extensions.Options;

namespace HostingPanel.MailEngine.Storage;

/// <summary>A body file that is on stable storage under its final name, except for its directory entry.</summary>
public sealed record WrittenBody(string RelativePath, long Size, string Directory, ImapMessageSummary Summary);

/// <summary>
/// Message bodies as immutable files under <c>{DataDirectory}/store/xx/</c>. A body is written to a
/// temporary name, fsynced and renamed; the directory fsync is left to the caller so that a batch of
/// deliveries shares one (<see cref="MakeRenamesDurable"/>). Bodies are stored with CRLF line ends, so
/// the size the store reports is the size IMAP and POP3 send. Every write, fsync and rename goes
/// through <see cref="IStoreFileSystem"/>; any failure there (ENOSPC, EIO from fsync) throws, and the
/// temporary file is removed, so a failed write is never acknowledged.
/// </summary>
public sealed class BodyStore
{
    private readonly IStoreFileSystem _files;
    private const byte ByteCR = (byte)'\r';
    private const byte ByteLF = (byte)'\n';
    public const string BodyExtension = ".eml";
    public const string TempExtension = ".tmp";

    public BodyStore(IOptions<MailStorageOptions> options, IStoreFileSystem files)
    {
        _files = files;
        Root = Path.GetFullPath(Path.Combine(options.Value.DataDirectory, "store"));
        // All 256 shard directories up front, made durable once: a body's rename is then the only
        // directory entry a delivery has to sync.
        var created = !System.IO.Directory.Exists(Path.Combine(Root, "ff"));
        for (var i = 0; i < 256; i++)
            System.IO.Directory.CreateDirectory(Path.Combine(Root, i.ToString("x2")));
        if (created)
        {
            PosixStoreFileSystem.FsyncDirectory(Root);
            PosixStoreFileSystem.FsyncDirectory(Path.GetDirectoryName(Root)!);
        }
    }

    public string Root { get; }

    public string FullPath(string relativePath) => Path.Combine(Root, relativePath);

    /// <summary>Copies <paramref name="source"/> into a new durable body file, converting bare LF to CRLF.</summary>
    public async Task<WrittenBody> WriteAsync(Stream source, long maxSize, CancellationToken ct)
    {
        var name = Guid.NewGuid().ToString("N");
        var shard = name[..2];
        var directory = Path.Combine(Root, shard);
        var tempPath = Path.Combine(directory, name + TempExtension);
        var finalRelative = Path.Combine(shard, name + BodyExtension);
        long size = 0;
        try
        {
            await using (var file = _files.CreateNew(tempPath))
            {
                var input = new byte[64 * 1024];
                var output = new byte[128 * 1024];
                var previousWasCR = false;
                int read;
                while ((read = await source.ReadAsync(input, ct)) > 0)
                {
                    var o = 0;
                    for (var i = 0; i < read; i++)
                    {
                        var b = input[i];
                        if (b == ByteLF && !previousWasCR)
                            output[o++] = ByteCR;
                        output[o++] = b;
                        previousWasCR = b == ByteCR;
                    }
                    size += o;
                    if (maxSize > 0 && size > maxSize)
                        throw new MessageTooLargeException(maxSize);
                    await _files.WriteAsync(file, output.AsMemory(0, o), ct);
                }
                file.Position = 0;
                var summary = ImapMessageSummary.Parse(file);
                _files.FlushToDisk(file);
                _files.Move(tempPath, FullPath(finalRelative));
                return new WrittenBody(finalRelative, size, directory, summary);
            }
        }
        catch
        {
            TryDelete(tempPath);
            throw;
        }
    }

    /// <summary>
    /// Health: writes, fsyncs and removes a small file in a shard directory, as a delivery would. Never creates
    /// directories, so a store that went away (unmounted, renamed) fails here instead of being recreated empty.
    /// </summary>
    public async Task ProbeWritableAsync(CancellationToken ct)
    {
        var path = Path.Combine(Root, "00", ".health-" + Guid.NewGuid().ToString("N") + TempExtension);
        try
        {
            await using var file = _files.CreateNew(path);
            await _files.WriteAsync(file, "ok\r\n"u8.ToArray(), ct);
            _files.FlushToDisk(file);
        }
        finally
        {
            TryDelete(path);
        }
    }

    /// <summary>
    /// Opens a body for reading. Synchronous I/O on purpose: bodies are small and usually in the page
    /// cache, where a plain read costs microseconds and the async path a thread-pool hop per chunk.
    /// </summary>
    public FileStream Open(string relativePath) =>
        new(FullPath(relativePath), FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 1, FileOptions.SequentialScan);

    /// <summary>
    /// The first <paramref name="length"/> bytes of a body (its header block): one positioned read, no
    /// stream. Fewer bytes only if the file is shorter. Throws <see cref="FileNotFoundException"/> if it is gone.
    /// </summary>
    public byte[] ReadHead(string relativePath, int length)
    {
        using var handle = File.OpenHandle(FullPath(relativePath), FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete);
        var buffer = new byte[length];
        var total = 0;
        while (total < length)
        {
            var read = RandomAccess.Read(handle, buffer.AsSpan(total), total);
            if (read == 0)
                return buffer[..total];
            total += read;
        }
        return buffer;
    }

    /// <summary>The whole body; synchronous for the reason given at <see cref="Open"/>.</summary>
    public byte[] ReadAll(string relativePath) => File.ReadAllBytes(FullPath(relativePath));

    public void Delete(string relativePath) => TryDelete(FullPath(relativePath));

    /// <summary>Makes the renames of new bodies inside these directories durable (one fsync per directory).</summary>
    public void MakeRenamesDurable(IEnumerable<string> directories)
    {
        foreach (var directory in directories.Distinct())
            _files.SyncDirectory(directory);
    }

    /// <summary>Makes renames inside these directories durable (one fsync per directory); for the outbound queue.</summary>
    public static void SyncDirectories(IEnumerable<string> directories)
    {
        foreach (var directory in directories.Distinct())
            PosixStoreFileSystem.FsyncDirectory(directory);
    }

    /// <summary>
    /// Removes temporary files and body files no message row references. <paramref name="minAge"/>
    /// protects deliveries in flight (another node on PostgreSQL, or this one after startup).
    /// </summary>
    public int SweepOrphans(IReadOnlySet<string> referenced, TimeSpan minAge)
    {
        var removed = 0;
        var cutoff = DateTime.UtcNow - minAge;
        foreach (var path in System.IO.Directory.EnumerateFiles(Root, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(Root, path);
            if (referenced.Contains(relative))
                continue;
            if (File.GetLastWriteTimeUtc(path) > cutoff)
                continue;
            TryDelete(path);
            removed++;
        }
        return removed;
    }

    private static void TryDelete(string path)
    {
        try { File.Delete(path); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}

public sealed class MessageTooLargeException(long limit) : Exception($"message exceeds {limit} bytes")
{
    public long Limit { get; } = limit;
}
