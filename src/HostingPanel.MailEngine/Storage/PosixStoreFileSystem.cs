using System.Runtime.InteropServices;

namespace HostingPanel.MailEngine.Storage;

/// <summary>The real file system: .NET file streams, and libc for the directory fsync .NET does not offer.</summary>
public sealed class PosixStoreFileSystem : IStoreFileSystem
{
    public FileStream CreateNew(string path) =>
        new(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.Read, 1, FileOptions.Asynchronous);

    public ValueTask WriteAsync(FileStream file, ReadOnlyMemory<byte> data, CancellationToken ct) => file.WriteAsync(data, ct);

    public void FlushToDisk(FileStream file) => file.Flush(flushToDisk: true);

    public void Move(string from, string to) => File.Move(from, to);

    public void SyncDirectory(string directory) => FsyncDirectory(directory);

    private const int O_RDONLY = 0;
    private const int O_DIRECTORY = 0x10000; // Linux value; the engine runs on Linux

    [DllImport("libc", SetLastError = true, EntryPoint = "open")]
    private static extern int SysOpen([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

    [DllImport("libc", SetLastError = true, EntryPoint = "fsync")]
    private static extern int SysFsync(int fd);

    [DllImport("libc", SetLastError = true, EntryPoint = "close")]
    private static extern int SysClose(int fd);

    /// <summary>Also used by the outbound queue, which writes its files the same way.</summary>
    public static void FsyncDirectory(string directory)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
            return; // Windows has no directory fsync; NTFS journals the rename.
        var flags = O_RDONLY | (OperatingSystem.IsLinux() ? O_DIRECTORY : 0);
        var fd = SysOpen(directory, flags);
        if (fd < 0)
            throw new IOException($"open({directory}) failed: errno {Marshal.GetLastPInvokeError()}");
        try
        {
            if (SysFsync(fd) != 0)
                throw new IOException($"fsync({directory}) failed: errno {Marshal.GetLastPInvokeError()}");
        }
        finally
        {
            // The fsync above already said whether the directory is durable; a failed close of a
            // read-only descriptor loses nothing, so its result is deliberately not checked.
            _ = SysClose(fd);
        }
    }
}
