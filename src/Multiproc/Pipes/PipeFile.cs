using System;
using Multiproc.Ipc;
using Multiproc.Sync;

namespace Multiproc.Pipes;

/// <summary>The memory of one pipe: a file in its maker's private directory holding a ring for each direction.</summary>
/// <remarks>
/// Every process that uses the pipe maps the file once (<see cref="OpenPipes"/>). Layout: the cell of the
/// ring that leaves end 0, then that of end 1, then the two rings in the same order.
/// </remarks>
internal sealed unsafe class PipeFile
{
    private const int RingsAt = 2 * SharedMemory.CellSize;
    private const int Size = RingsAt + 2 * MessageRing.Capacity;

    private readonly MappedFile _map;
    private readonly MessageRing[] _rings;   // by the end they leave from
    private readonly EndChannel[] _ends;

    private PipeFile(MappedFile map)
    {
        _map = map;
        _rings = [Ring(0), Ring(1)];
        string directory = System.IO.Path.GetDirectoryName(map.Path)!;
        _ends = [new EndChannel(_rings[0], _rings[1], directory), new EndChannel(_rings[1], _rings[0], directory)];
    }

    public string Path => _map.Path;

    /// <summary>A new pipe in <paramref name="directory"/>, made by this process.</summary>
    /// <exception cref="System.IO.IOException">No room for it.</exception>
    public static PipeFile Create(string directory)
    {
        var file = new PipeFile(MappedFile.Create(System.IO.Path.Combine(directory, $"pipe-{Guid.NewGuid():N}"), Size));
        foreach (var ring in file._rings) ring.SetMaker();
        return file;
    }

    /// <summary>Maps a pipe another process made.</summary>
    public static PipeFile Open(string path) => new(MappedFile.Open(path, Size));

    /// <summary>This process's use of end 0 or 1.</summary>
    public EndChannel End(int end) => _ends[end];

    /// <summary>Closes both ends for every process: the pipe's maker is ending.</summary>
    public void CloseBoth()
    {
        foreach (var end in _ends) end.Close();
    }

    private MessageRing Ring(int from) => new(
        _map.Address + from * SharedMemory.CellSize,
        _map.Address + RingsAt + (long)from * MessageRing.Capacity);
}
