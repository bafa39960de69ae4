using System;
using System.Collections.Concurrent;
using System.IO;

namespace Multiproc.Sync;

/// <summary>Cells of memory every process of the session can map: where locks, semaphores, events and barriers live.</summary>
/// <remarks>
/// The owner allocates fixed-size cells in segment files inside its private directory (mode 0700), so
/// only the session's user can map them. A handle names the file and the offset; a process maps each
/// file once. The files go with the owner's session; a process that mapped one keeps its memory.
/// </remarks>
internal static unsafe class SharedMemory
{
    public const int CellSize = 256;
    private const int SegmentSize = 1 << 20;

    private static readonly object s_gate = new();
    private static readonly ConcurrentDictionary<string, Ipc.MappedFile> s_mapped = new();   // each segment, for the life of the process
    private static string? s_segment;   // guarded by s_gate: the file cells are allocated from
    private static int s_next;          // guarded by s_gate: its next free offset

    /// <summary>A fresh zeroed cell owned by this process.</summary>
    /// <exception cref="MpNoRoomException">A new segment does not fit in the private directory's file system.</exception>
    public static (string Path, int Offset) Allocate()
    {
        lock (s_gate)
        {
            if (s_segment is null || !File.Exists(s_segment) || s_next + CellSize > SegmentSize)
            {
                var path = Path.Combine(Session.Current.PrivateDirectory, $"sync-{Guid.NewGuid():N}");
                // Written whole, not sized: on a full file system, touching a page of a sparse file kills the process.
                try { s_mapped[path] = Ipc.MappedFile.Create(path, SegmentSize); }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    throw OpenFileLimit.Error(e, "make the shared memory of a lock or synchronization object") ?? new MpNoRoomException(
                        $"There is no room for the shared memory of a lock or synchronization object in '{Path.GetDirectoryName(path)}': {e.Message} " +
                        "Free space in the temporary folder, or start pwsh with $env:TMPDIR set to a folder that has room.", path, e);
                }
                s_segment = path;
                s_next = 0;
            }
            int offset = s_next;
            s_next += CellSize;
            return (s_segment, offset);
        }
    }

    /// <summary>The address of a cell, mapping its file on first use.</summary>
    /// <exception cref="MpObjectGoneException">The file is gone: its session has ended.</exception>
    public static byte* Cell(string path, int offset)
    {
        if (!s_mapped.TryGetValue(path, out var mapping))
        {
            lock (s_gate)
            {
                if (!s_mapped.TryGetValue(path, out mapping))
                {
                    try { mapping = Ipc.MappedFile.Open(path, SegmentSize); }
                    catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                    {
                        throw new MpObjectGoneException(
                            "The lock or synchronization object is gone: the session that made it has ended.", path, e);
                    }
                    s_mapped[path] = mapping;
                }
            }
        }
        return mapping.Address + offset;
    }

}
