using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;

namespace Multiproc.Ipc;

/// <summary>A copy of the frames a process has sent but not yet written to its connection, in memory the other side can map.</summary>
/// <remarks>
/// A one-way message (a queue's Put) must have left its process when it returns (SPEC §2), and a system
/// call for every message costs more than the message. A frame copied here has left: the file's memory
/// outlives the process. The connection's <see cref="FrameWriter"/> still writes frames in batches;
/// when the sender dies, the receiver takes from here the frames that came after the last byte it read.
/// A ring: the frame at stream position p is at offset p % Capacity. Layout: appended int64 @0 (the
/// stream position after the last whole frame copied, published after the copy), the ring @16. The
/// writer keeps the ring's room by its own count of what it has written.
/// </remarks>
internal sealed unsafe class Outbox : IDisposable
{
    private const int HeaderSize = 16;
    public const int Capacity = 1 << 20;

    private readonly MappedFile _map;
    private byte* _base;

    private Outbox(MappedFile map)
    {
        _map = map;
        _base = map.Address;
    }

    public string Path => _map.Path;

    private ref long Appended => ref *(long*)_base;

    /// <summary>A new outbox in <paramref name="directory"/>; null when none can be made (a full disk): then sends are written at once.</summary>
    public static Outbox? TryCreate(string directory)
    {
        var path = System.IO.Path.Combine(directory, $"outbox-{Guid.NewGuid():N}");
        try { return new Outbox(MappedFile.Create(path, HeaderSize + Capacity)); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }

    /// <summary>True when a frame of <paramref name="length"/> bytes fits beside what is not written yet.</summary>
    public bool HasRoom(long appended, long written, int length) => appended + length - written <= Capacity;

    /// <summary>Copies a frame that starts at stream position <paramref name="at"/>; the writer made sure it fits.</summary>
    public void Copy(long at, ReadOnlySpan<byte> header, ReadOnlySpan<byte> body)
    {
        long end = Put(Put(at, header), body);
        Volatile.Write(ref Appended, end);
    }

    /// <summary>A frame too large for the ring is written at once, not copied: later frames start after it.</summary>
    public void Skip(long to) => Volatile.Write(ref Appended, to);

    private long Put(long at, ReadOnlySpan<byte> bytes)
    {
        while (bytes.Length > 0)
        {
            int offset = (int)(at % Capacity);
            int n = Math.Min(bytes.Length, Capacity - offset);
            bytes[..n].CopyTo(new Span<byte>(_base + HeaderSize + offset, n));
            bytes = bytes[n..];
            at += n;
        }
        return at;
    }

    /// <summary>The receiver's side, once the sender is gone: the frames after stream position <paramref name="read"/>, if the file is there.</summary>
    /// <remarks>Deletes the file: nobody else needs it.</remarks>
    public static List<Frame> Recover(string path, long read, long maxBody)
    {
        var frames = new List<Frame>();
        Outbox outbox;
        try { outbox = new Outbox(MappedFile.Open(path, HeaderSize + Capacity)); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException) { return frames; }
        try
        {
            long appended = Volatile.Read(ref outbox.Appended);
            if (appended <= read || appended - read > Capacity) return frames;
            var bytes = new byte[appended - read];
            for (long at = read; at < appended;)
            {
                int offset = (int)(at % Capacity);
                int n = (int)Math.Min(appended - at, Capacity - offset);
                new ReadOnlySpan<byte>(outbox._base + HeaderSize + offset, n).CopyTo(bytes.AsSpan((int)(at - read)));
                at += n;
            }
            var stream = new MemoryStream(bytes);
            try { while (FrameCodec.Read(stream, maxBody) is { } frame) frames.Add(frame); }
            catch (InvalidDataException) { /* a torn end: what came before it stands */ }
            return frames;
        }
        finally
        {
            outbox.Dispose();
            try { File.Delete(path); } catch (IOException) { }
        }
    }

    public void Dispose()
    {
        _base = null;
        _map.Dispose();
    }
}
