using System;
using System.IO;
using System.Threading;
using Multiproc.Platform;

namespace Multiproc.Ipc;

/// <summary>A file mapped into memory that other processes of the session map too: its memory outlives the process that wrote it.</summary>
internal sealed unsafe class MappedFile : IDisposable
{
    private readonly long _size;
    private readonly IMemoryMaps _maps;     // the way it was mapped is the way it is unmapped
    private readonly IDisposable? _mapping;
    private int _disposed;

    private MappedFile(string path, long size)
    {
        Path = path;
        _size = size;
        _maps = Os.Memory;
        Address = _maps.Map(path, size, out _mapping);
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

    // Once only, whoever calls it: a second munmap could unmap what has been mapped at that address since.
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        var address = Address;
        Address = null;
        _maps.Unmap(address, _size, _mapping);
    }
}
