using HostingPanel.MailEngine.Hosting;
using HostingPanel.MailEngine.Storage.Blobs;
using Microsoft.Extensions.Options;

namespace HostingPanel.MailEngine.Storage;

/// <summary>
/// A body that is on stable storage under its final name: a file, except for its directory entry
/// (<paramref name="Directory"/>, to be synced), or an S3 object (<paramref name="Directory"/> empty).
/// </summary>
public sealed record WrittenBody(string RelativePath, long Size, string Directory, ImapMessageSummary Summary);

/// <summary>
/// Message bodies as immutable files under <c>{DataDirectory}/store/xx/</c>. A body is written to a
/// temporary name, fsynced and renamed; the directory fsync is left to the caller so that a batch of
/// deliveries shares one (<see cref="MakeRenamesDurable"/>). Bodies are stored with CRLF line ends, so
/// the size the store reports is the size IMAP and POP3 send. Every write, fsync and rename goes
/// through <see cref="IStoreFileSystem"/>; any failure there (ENOSPC, EIO from fsync) throws, and the
/// temporary file is removed, so a failed write is never acknowledged.
/// With <c>Storage:Blobs:Provider=S3</c> the same names are keys of objects in a bucket
/// (<see cref="S3BodyObjects"/>): the converted body is spooled to the temporary file, PUT, and the
/// temporary file removed; readers get the object. Every body read and write of the engine goes through
/// this class, whichever the provider.
/// </summary>
public sealed class BodyStore : IDisposable
{
    private readonly IStoreFileSystem _files;
    private readonly S3BodyObjects? _objects;
    private const byte ByteCR = (byte)'\r';
    private const byte ByteLF = (byte)'\n';
    public const string BodyExtension = ".eml";
    public const string TempExtension = ".tmp";

    /// <exception cref="BlobStorageConfigurationException">Storage:Blobs names an unknown provider or lacks S3 settings.</exception>
    public BodyStore(IOptions<MailStorageOptions> options, IStoreFileSystem files, IOptions<BlobStorageOptions>? blobs = null)
    {
        _files = files;
        if (blobs?.Value is { } blobOptions && blobOptions.UsesS3())
            _objects = new S3BodyObjects(blobOptions.S3);
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

    /// <summary>The directory of body files (with S3: of temporary files only).</summary>
    public string Root { get; }

    /// <summary>True when bodies are S3 objects rather than files.</summary>
    public bool IsObjectStore => _objects is not null;

    /// <summary>Where a body file is (File provider; tests look at the files).</summary>
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
                if (_objects is not null)
                {
                    // The local file is only a spool for the upload: the object is what must be durable.
                    await file.DisposeAsync();
                    await _objects.PutAsync(finalRelative, tempPath, ct);
                    TryDelete(tempPath);
                    return new WrittenBody(finalRelative, size, "", summary);
                }
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
        if (_objects is not null)
        {
            await _objects.ProbeWritableAsync(ct);
            return;
        }
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
    public Stream Open(string relativePath) =>
        _objects?.Open(relativePath)
        ?? new FileStream(FullPath(relativePath), FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 1, FileOptions.SequentialScan);

    /// <summary>
    /// A bare handle on the body for positioned reads (POP3 RETR and TOP). An S3 object is first copied to a
    /// temporary file that disappears when the handle is closed.
    /// </summary>
    /// <exception cref="FileNotFoundException">The body is gone (expunged meanwhile).</exception>
    public async Task<Microsoft.Win32.SafeHandles.SafeFileHandle> OpenHandleAsync(string relativePath, FileOptions options, CancellationToken ct)
    {
        if (_objects is null)
            return File.OpenHandle(FullPath(relativePath), FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, options);
        var spool = Path.Combine(Root, relativePath[..2], Guid.NewGuid().ToString("N") + TempExtension);
        try
        {
            await _objects.DownloadAsync(relativePath, spool, ct);
            return File.OpenHandle(spool, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, options | FileOptions.DeleteOnClose);
        }
        catch
        {
            TryDelete(spool);
            throw;
        }
    }

    /// <summary>The whole body, without blocking a thread on an object store.</summary>
    public Task<byte[]> ReadAllAsync(string relativePath, CancellationToken ct) =>
        _objects?.ReadAllAsync(relativePath, ct) ?? File.ReadAllBytesAsync(FullPath(relativePath), ct);

    /// <summary>
    /// The first <paramref name="length"/> bytes of a body (its header block): one positioned read, no
    /// stream. Fewer bytes only if the file is shorter. Throws <see cref="FileNotFoundException"/> if it is gone.
    /// </summary>
    public byte[] ReadHead(string relativePath, int length)
    {
        if (_objects is not null)
            return _objects.ReadHead(relativePath, length);
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
    public byte[] ReadAll(string relativePath) => _objects?.ReadAll(relativePath) ?? File.ReadAllBytes(FullPath(relativePath));

    public void Delete(string relativePath)
    {
        if (_objects is not null)
            _objects.Delete(relativePath);
        else
            TryDelete(FullPath(relativePath));
    }

    /// <summary>Makes the renames of new bodies inside these directories durable (one fsync per directory); S3 bodies have none.</summary>
    public void MakeRenamesDurable(IEnumerable<string> directories)
    {
        foreach (var directory in directories.Distinct())
            if (directory.Length > 0)
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
    public async Task<int> SweepOrphansAsync(IReadOnlySet<string> referenced, TimeSpan minAge, CancellationToken ct)
    {
        // With S3 the local directory still holds temporary (spool) files of crashed writes.
        var removed = SweepOrphanFiles(referenced, minAge);
        if (_objects is not null)
            removed += await _objects.SweepOrphansAsync(referenced, minAge, ct);
        return removed;
    }

    private int SweepOrphanFiles(IReadOnlySet<string> referenced, TimeSpan minAge)
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

    public void Dispose() => _objects?.Dispose();

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
