using System;
using System.IO;
using System.IO.MemoryMappedFiles;
using System.Runtime.InteropServices;

namespace Multiproc.Ipc;

/// <summary>A file mapped into memory that other processes of the session map too: its memory outlives the process that wrote it.</summary>
/// <remarks>
/// On Linux and macOS the file is mapped with mmap and its descriptor closed at once: a mapping needs no
/// open file, and a session with many pipes would otherwise run out of descriptors (issue 19: 127 pipes
/// under `ulimit -n 400`). Windows keeps .NET's MemoryMappedFile, whose handle a view needs.
/// </remarks>
internal sealed unsafe class MappedFile : IDisposable
{
    private readonly long _size;
    private readonly MemoryMappedFile? _file;              // Windows only
    private readonly MemoryMappedViewAccessor? _view;      // Windows only

    private MappedFile(string path, long size)
    {
        Path = path;
        _size = size;
        if (!OperatingSystem.IsWindows())
        {
            Address = Map(path, size);
            return;
        }
        _file = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.ReadWrite);
        try
        {
            _view = _file.CreateViewAccessor(0, size, MemoryMappedFileAccess.ReadWrite);
            byte* address = null;
            _view.SafeMemoryMappedViewHandle.AcquirePointer(ref address);
            Address = address;
        }
        catch
        {
            _file.Dispose();
            throw;
        }
    }

    public string Path { get; }

    /// <summary>The first byte; not valid after Dispose.</summary>
    public byte* Address { get; private set; }

    /// <summary>A new file of <paramref name="size"/> zero bytes, written rather than only sized: touching a page
    /// of a sparse file on a full disk kills the process, where a write that fails is an exception.</summary>
    /// <exception cref="IOException">No room, or the directory is gone.</exception>
    public static MappedFile Create(string path, int size)
    {
        try
        {
            using (var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write)) file.Write(new byte[size]);
            return new MappedFile(path, size);
        }
        catch
        {
            try { File.Delete(path); } catch (IOException) { }
            throw;
        }
    }

    /// <summary>Maps a file another process made.</summary>
    public static MappedFile Open(string path, long size) => new(path, size);

    public void Dispose()
    {
        if (Address == null) return;
        if (!OperatingSystem.IsWindows())
        {
            munmap((IntPtr)Address, (nuint)_size);
            Address = null;
            return;
        }
        Address = null;
        _view!.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _file!.Dispose();
    }

    // The descriptor is open only while the mapping is made.
    private static byte* Map(string path, long size)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
        if (file.Length < size) throw new IOException($"The file '{path}' is shorter ({file.Length} bytes) than the {size} bytes to map.");
        var address = mmap(IntPtr.Zero, (nuint)size, ProtRead | ProtWrite, MapShared, (int)file.SafeFileHandle.DangerousGetHandle(), 0);
        if (address == MapFailed)
            throw new IOException($"Could not map '{path}' into memory: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}.");
        return (byte*)address;
    }

    private const int ProtRead = 1, ProtWrite = 2, MapShared = 1;   // the same on Linux and macOS
    private static readonly IntPtr MapFailed = new(-1);

    [DllImport("libc", SetLastError = true)]
    private static extern IntPtr mmap(IntPtr address, nuint length, int protection, int flags, int fd, nint offset);

    [DllImport("libc", SetLastError = true)]
    private static extern int munmap(IntPtr address, nuint length);
}
