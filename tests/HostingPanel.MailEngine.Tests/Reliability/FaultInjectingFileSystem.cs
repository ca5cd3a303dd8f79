using HostingPanel.MailEngine.Storage;

namespace HostingPanel.MailEngine.Tests.Reliability;

/// <summary>
/// The engine's real file system with switchable faults, put in place of <see cref="IStoreFileSystem"/>
/// so that the real listeners meet a full disk or a failing fsync exactly where the kernel would report it.
/// </summary>
internal sealed class FaultInjectingFileSystem : IStoreFileSystem
{
    private const int ENOSPC = 28;
    private const int EIO = 5;
    private readonly PosixStoreFileSystem _real = new();

    /// <summary>Writes fail with ENOSPC, as write(2) on a full file system.</summary>
    public volatile bool DiskFull;

    /// <summary>fsync of a body file fails with EIO (the page cache could not be written back).</summary>
    public volatile bool FileFsyncFails;

    /// <summary>fsync of a body directory fails with EIO (the rename is not durable).</summary>
    public volatile bool DirectoryFsyncFails;

    public int InjectedFailures => Volatile.Read(ref _injected);
    private int _injected;

    public FileStream CreateNew(string path) => _real.CreateNew(path);

    public ValueTask WriteAsync(FileStream file, ReadOnlyMemory<byte> data, CancellationToken ct) =>
        DiskFull ? ValueTask.FromException(Fail("write", ENOSPC, "No space left on device")) : _real.WriteAsync(file, data, ct);

    public void FlushToDisk(FileStream file)
    {
        if (FileFsyncFails)
            throw Fail("fsync", EIO, "Input/output error");
        _real.FlushToDisk(file);
    }

    public void Move(string from, string to) => _real.Move(from, to);

    public void SyncDirectory(string directory)
    {
        if (DirectoryFsyncFails)
            throw Fail("fsync(dir)", EIO, "Input/output error");
        _real.SyncDirectory(directory);
    }

    public void Heal() => DiskFull = FileFsyncFails = DirectoryFsyncFails = false;

    private IOException Fail(string call, int errno, string text)
    {
        Interlocked.Increment(ref _injected);
        // .NET reports an unmapped errno as an IOException whose HResult is the errno, as here.
        return new IOException($"{call}: {text}", errno);
    }
}
