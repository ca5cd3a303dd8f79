namespace HostingPanel.MailEngine.Storage;

/// <summary>
/// The file operations that make a message body durable. The engine uses <see cref="PosixStoreFileSystem"/>;
/// tests put a decorator in its place to make a write fail with ENOSPC or an fsync fail, through the
/// real listeners, and check that such a failure is never acknowledged.
/// </summary>
public interface IStoreFileSystem
{
    /// <summary>Creates a new file for writing and reading back (it must not exist).</summary>
    FileStream CreateNew(string path);

    ValueTask WriteAsync(FileStream file, ReadOnlyMemory<byte> data, CancellationToken ct);

    /// <summary>fsync of the file's data and metadata; throws when the kernel reports a failure.</summary>
    void FlushToDisk(FileStream file);

    void Move(string from, string to);

    /// <summary>fsync of a directory, making the renames inside it durable.</summary>
    void SyncDirectory(string directory);
}
