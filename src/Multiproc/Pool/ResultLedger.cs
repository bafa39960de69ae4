using System;
using System.IO;
using System.Threading;
using Multiproc.Ipc;

namespace Multiproc.Pool;

/// <summary>A worker's finished results that have not reached its parent yet, in memory both processes map.</summary>
/// <remarks>
/// A task's result must leave the worker before the next task starts (SPEC §10), or a worker that dies
/// takes finished results with it. Sending each result in a system call of its own would cost more than
/// a small task; copying it here costs a few nanoseconds, and memory a file maps survives the process
/// that wrote it. Results still go to the parent in batches over the link; when a worker dies, its
/// parent reads what it had finished but not sent from here.
/// It also says which item runs now and since when, so the parent can stop one that runs too long
/// (-TaskTimeout) without a message per item.
/// Layout: chunk id int64 @0; published int64 @8 (item count in the high half, byte length in the low
/// half, written at once, after the bytes, so a reader never sees a half-written item); the running item
/// @16: a sequence int64 (odd while it changes), its chunk id int64, its index int64 and since when
/// (Environment.TickCount64, one clock for every process) int64; the items @48, as
/// <see cref="ChunkResults"/> writes them.
/// </remarks>
internal sealed unsafe class ResultLedger : IDisposable
{
    private const int HeaderSize = 48;
    private const int Size = 1 << 20;

    private readonly MappedFile _map;
    private readonly object _gate = new();
    private byte* _base;   // guarded by _gate for Dispose; null once disposed

    private ResultLedger(MappedFile map)
    {
        _map = map;
        _base = map.Address;
    }

    public string Path => _map.Path;

    /// <summary>The parent's side: a new ledger file in the session's private directory, its pages allocated.</summary>
    public static ResultLedger Create()
    {
        var path = System.IO.Path.Combine(Session.Current.PrivateDirectory, $"results-{Guid.NewGuid():N}");
        try { return new ResultLedger(MappedFile.Create(path, Size)); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw OpenFileLimit.Error(e, "make a pool worker's result file") ?? (Exception)new MpPoolSetupException(
                $"Could not make a pool worker's result file in '{System.IO.Path.GetDirectoryName(path)}': {e.Message}. Free some space there.", path, e);
        }
    }

    /// <summary>The worker's side.</summary>
    public static ResultLedger Open(string path) => new(MappedFile.Open(path, Size));

    private ref long ChunkId => ref *(long*)_base;
    private ref long Published => ref *(long*)(_base + 8);
    private ref long RunningSequence => ref *(long*)(_base + 16);
    private ref long RunningChunk => ref *(long*)(_base + 24);
    private ref long RunningIndex => ref *(long*)(_base + 32);
    private ref long RunningSince => ref *(long*)(_base + 40);

    /// <summary>The worker's side: item <paramref name="index"/> of <paramref name="chunkId"/> starts now (chunk 0: none runs).</summary>
    public void MarkRunning(long chunkId, int index)
    {
        long sequence = RunningSequence;
        Volatile.Write(ref RunningSequence, sequence + 1);
        Volatile.Write(ref RunningChunk, chunkId);
        Volatile.Write(ref RunningIndex, index);
        Volatile.Write(ref RunningSince, Environment.TickCount64);
        Volatile.Write(ref RunningSequence, sequence + 2);
    }

    /// <summary>The parent's side: the item the worker runs now, and since when (Environment.TickCount64); null when none.</summary>
    public (long ChunkId, int Index, long Since)? ReadRunning()
    {
        lock (_gate)
        {
            if (_base == null) return null;
            // A worker killed while it wrote leaves the sequence odd: give up after a while rather than spin.
            for (int attempt = 0; attempt < 1000; attempt++)
            {
                long before = Volatile.Read(ref RunningSequence);
                long chunk = Volatile.Read(ref RunningChunk), index = Volatile.Read(ref RunningIndex), since = Volatile.Read(ref RunningSince);
                if ((before & 1) == 0 && Volatile.Read(ref RunningSequence) == before)
                    return chunk == 0 ? null : (chunk, (int)index, since);
                Thread.SpinWait(20);
            }
            return null;
        }
    }

    /// <summary>Adds <paramref name="count"/> finished items of <paramref name="chunkId"/>; false when there is no room for them.</summary>
    public bool TryAppend(long chunkId, ReadOnlySpan<byte> items, int count)
    {
        if (Volatile.Read(ref ChunkId) != chunkId)
        {
            Volatile.Write(ref Published, 0);
            Volatile.Write(ref ChunkId, chunkId);
        }
        long published = Volatile.Read(ref Published);
        int held = (int)(published >> 32), length = (int)published;
        if (HeaderSize + length + items.Length > Size) return false;
        items.CopyTo(new Span<byte>(_base + HeaderSize + length, items.Length));
        Volatile.Write(ref Published, ((long)(held + count) << 32) | (uint)(length + items.Length));
        return true;
    }

    /// <summary>The worker sent what it holds to the parent.</summary>
    public void Clear() => Volatile.Write(ref Published, 0);

    /// <summary>The parent's side, once the worker is gone: the chunk and the items it finished but had not sent.</summary>
    public (long ChunkId, int Count, byte[] Items)? Read()
    {
        lock (_gate)
        {
            if (_base == null) return null;
            long published = Volatile.Read(ref Published);
            int count = (int)(published >> 32), length = (int)published;
            if (count == 0 || length < 0 || HeaderSize + (long)length > Size) return null;
            return (Volatile.Read(ref ChunkId), count, new ReadOnlySpan<byte>(_base + HeaderSize, length).ToArray());
        }
    }

    /// <summary>Unmaps it; the parent also deletes the file.</summary>
    public void Dispose(bool deleteFile)
    {
        lock (_gate)
        {
            if (_base == null) return;
            _base = null;
        }
        _map.Dispose();
        if (deleteFile) try { File.Delete(Path); } catch (IOException) { }
    }

    public void Dispose() => Dispose(deleteFile: false);
}
