using System;
using System.Threading;
using Multiproc.Ipc;
using Multiproc.Sync;

namespace Multiproc.Pipes;

/// <summary>The memory of one pipe: a file in its maker's private directory holding a ring for each direction.</summary>
/// <remarks>
/// Every process that uses the pipe maps the file once (<see cref="OpenPipes"/>). Layout: the cell of the
/// ring that leaves end 0, then that of end 1, then the two rings in the same order.
/// Once both ends are closed nothing can cross any more, so the first operation here that finds them so
/// releases the pipe in this process: no operation starts after that, the last one still running unmaps
/// the file, and the maker deletes it. A closed pipe costs nothing (issue 19).
/// </remarks>
internal sealed unsafe class PipeFile
{
    private const int RingsAt = 2 * SharedMemory.CellSize;
    private const int Size = RingsAt + 2 * MessageRing.Capacity;

    private readonly MappedFile _map;
    private readonly MessageRing[] _rings;   // by the end they leave from
    private readonly EndChannel[] _ends;
    private int _users;      // operations on the memory running in this process
    private int _released;   // 1 once both ends were found closed: no operation starts
    private int _unmapped;

    private PipeFile(MappedFile map)
    {
        _map = map;
        _rings = [Ring(0), Ring(1)];
        string directory = System.IO.Path.GetDirectoryName(map.Path)!;
        _ends = [new EndChannel(this, _rings[0], _rings[1], directory), new EndChannel(this, _rings[1], _rings[0], directory)];
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

    /// <summary>An operation on the pipe's memory, for a using statement: not held once this process has released the pipe.</summary>
    public readonly ref struct Use
    {
        private readonly PipeFile? _file;
        internal Use(PipeFile file) => _file = file;
        public bool Held => _file is not null;
        public void Dispose() => _file?.Exit();
    }

    /// <summary>Starts an operation on the pipe's memory; check <see cref="Use.Held"/> before touching it.</summary>
    public Use Hold() => Enter() ? new Use(this) : default;

    private bool Enter()
    {
        Interlocked.Increment(ref _users);
        if (Volatile.Read(ref _released) == 0) return true;
        if (Interlocked.Decrement(ref _users) == 0) Unmap();
        return false;
    }

    // Ends an operation; the pipe is released when it found both ends closed.
    private void Exit()
    {
        if (Volatile.Read(ref _released) == 0 && _rings[0].SendingClosed && _rings[1].SendingClosed)
            Interlocked.Exchange(ref _released, 1);
        if (Interlocked.Decrement(ref _users) == 0 && Volatile.Read(ref _released) != 0) Unmap();
    }

    /// <summary>Releases the pipe if both its ends were closed, here or in any other process.</summary>
    public void Touch()
    {
        using var _ = Hold();
    }

    private void Unmap()
    {
        if (Interlocked.Exchange(ref _unmapped, 1) != 0) return;
        _map.Dispose();
        OpenPipes.Forget(this);
    }

    private MessageRing Ring(int from) => new(
        _map.Address + from * SharedMemory.CellSize,
        _map.Address + RingsAt + (long)from * MessageRing.Capacity);
}
