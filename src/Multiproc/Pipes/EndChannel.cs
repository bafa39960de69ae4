using System;
using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.IO;
using System.Net.Sockets;
using System.Threading;
using Multiproc.Ipc;

namespace Multiproc.Pipes;

/// <summary>One process's use of one pipe end: its socket, what was read ahead, and whether it is closed.</summary>
/// <remarks>
/// Every handle to the same end in one process shares this, so reads and writes from several threads
/// keep messages whole. Messages are frames (<see cref="FrameCodec"/>); reads take what the kernel has
/// and keep the rest for the next Receive, so a stream of small messages costs few system calls.
/// A send goes out at once from the caller's thread, unless it follows another within microseconds:
/// then it is batched (<see cref="FrameWriter.Post"/>), which is what makes a stream of sends fast.
/// </remarks>
internal sealed class EndChannel
{
    private const int FirstBufferSize = 64 * 1024;
    [ThreadStatic] private static WireWriter? t_writer;

    private static readonly long s_streamingGap = Stopwatch.Frequency / 50_000;   // 20 µs
    private static readonly ConcurrentDictionary<EndChannel, byte> s_channels = new();

    private readonly Socket? _socket;
    private readonly FrameWriter _writer;
    private readonly Action _tellOthers;
    private long _lastSend;
    private readonly object _readGate = new();
    private byte[] _buffer = new byte[FirstBufferSize];   // guarded by _readGate
    private int _start, _end;                             // guarded by _readGate
    private bool _endOfStream;                            // guarded by _readGate
    private volatile bool _closed;

    /// <param name="socket">The end's socket; null for an end that was already closed.</param>
    /// <param name="tellOthers">Tells every other process using this end that it is closed.</param>
    public EndChannel(Socket? socket, Action tellOthers)
    {
        _socket = socket;
        _tellOthers = tellOthers;
        _closed = socket is null;
        _writer = new FrameWriter(socket is null ? Stream.Null : new NetworkStream(socket, ownsSocket: false), inner =>
            _closed ? ClosedHere() : new MpPipeClosedException(
                "The other end of the pipe is closed: nothing sent now can be received.", null, inner));
        if (socket is not null) s_channels[this] = 0;
    }

    public bool IsClosed => _closed;

    /// <summary>Closes the end for every process: the other end sees the end of the stream once it has read the rest.</summary>
    public void Close()
    {
        if (_closed) return;
        Flush();
        MarkClosed();
        _tellOthers();
    }

    /// <summary>The end was closed (here, in another process, or with the owner's session).</summary>
    public void MarkClosed()
    {
        _closed = true;
        _writer.Stop();
        s_channels.TryRemove(this, out _);
        try { _socket?.Shutdown(SocketShutdown.Both); } catch (Exception) { /* already shut */ }
    }

    public void Send(object? value) => Send(FrameType.PipeValue, value, default);

    public void SendBytes(ReadOnlySpan<byte> bytes) => Send(FrameType.PipeBytes, null, bytes);

    private void Send(FrameType type, object? value, ReadOnlySpan<byte> bytes)
    {
        var body = t_writer ??= new WireWriter(256);
        body.Clear();
        if (type == FrameType.PipeBytes) body.WriteRaw(bytes);
        else body.WriteValue(value);
        if (_closed) throw ClosedHere();
        // A send right after another, with no receive between, is part of a stream: batch it. Anything
        // else goes now, and a receive writes what is batched first, so a request never waits on a batch.
        long now = Stopwatch.GetTimestamp();
        bool streaming = now - Interlocked.Exchange(ref _lastSend, now) < s_streamingGap;
        if (streaming) _writer.Post(type, body.WrittenSpan);
        else _writer.Send(type, body.WrittenSpan);
    }

    /// <summary>Writes what sends batched; every end before its process reports its end.</summary>
    public static void FlushAll()
    {
        foreach (var channel in s_channels.Keys) channel.Flush();
    }

    private void Flush()
    {
        Interlocked.Exchange(ref _lastSend, 0);
        try { _writer.Flush(); }
        catch (MpPipeClosedException) { /* the next send reports it */ }
    }

    /// <summary>The next message: a value, or a byte array when it was sent with SendBytes.</summary>
    /// <param name="bytesOnly">Only a byte array will do; a message that is not one stays unread.</param>
    public object? Receive(TimeSpan timeout, CancellationToken cancel, bool bytesOnly = false)
    {
        Flush();
        lock (_readGate)
        {
            long deadline = timeout == Timeout.InfiniteTimeSpan ? long.MaxValue : Environment.TickCount64 + (long)timeout.TotalMilliseconds;
            while (true)
            {
                if (_closed) throw ClosedHere();
                if (HasFrame()) return TakeFrame(bytesOnly);
                if (_endOfStream) throw new MpPipeClosedException(
                    "The other end of the pipe is closed and every message it sent has been received.");
                if (!WaitReadable(deadline, cancel)) throw new MpTimeoutException(
                    $"Timed out: no message came within {timeout.TotalSeconds} seconds. Wait longer, or check the sender is running.");
                Fill();
            }
        }
    }

    /// <summary>True when a message (or the end of the stream) is there to receive, waiting up to <paramref name="timeout"/>.</summary>
    public bool Poll(TimeSpan timeout)
    {
        Flush();
        lock (_readGate)
        {
            if (HasFrame() || _endOfStream || _closed) return true;
            long micros = timeout == Timeout.InfiniteTimeSpan ? -1 : (long)(timeout.TotalMilliseconds * 1000);
            return _socket!.Poll((int)Math.Min(micros, int.MaxValue), SelectMode.SelectRead);
        }
    }

    // ---- under _readGate -------------------------------------------------------------------------

    private int FrameLength => BinaryPrimitives.ReadInt32LittleEndian(_buffer.AsSpan(_start));

    private bool HasFrame() => _end - _start >= 4 && _end - _start >= 4 + FrameLength;

    private object? TakeFrame(bool bytesOnly)
    {
        int length = FrameLength;
        var type = (FrameType)_buffer[_start + 4];
        int body = _start + 5, bodyLength = length - 1;
        object? value = type == FrameType.PipeBytes
            ? _buffer.AsSpan(body, bodyLength).ToArray()
            : new WireReader(_buffer, body).ReadValue();
        if (bytesOnly && value is not byte[])
            throw new MpSerializationException(
                "The next message was sent with Send(), not SendBytes(), and is not a byte array: read it with Receive().");
        _start += 4 + length;
        if (_start == _end) _start = _end = 0;
        return value;
    }

    private bool WaitReadable(long deadline, CancellationToken cancel)
    {
        // With no deadline and nothing to cancel, the read itself waits: the fastest wake-up there is.
        if (deadline == long.MaxValue && !cancel.CanBeCanceled) return true;
        while (true)
        {
            cancel.ThrowIfCancellationRequested();
            long remaining = deadline == long.MaxValue ? long.MaxValue : deadline - Environment.TickCount64;
            if (remaining <= 0) return _socket!.Poll(0, SelectMode.SelectRead);
            long slice = cancel.CanBeCanceled ? Math.Min(remaining, 100) : Math.Min(remaining, int.MaxValue / 1000);
            if (_socket!.Poll((int)(slice * 1000), SelectMode.SelectRead)) return true;
        }
    }

    private void Fill()
    {
        int needed = _end - _start >= 4 ? 4 + FrameLength : 4;
        if (needed > MpSettings.MaxMessageBytes + 5L)
            throw new MpSerializationException($"A pipe message of {needed:N0} bytes is over the size limit.");
        if (_buffer.Length - _start < needed)
        {
            var larger = needed > _buffer.Length ? new byte[Math.Max(needed, _buffer.Length * 2)] : _buffer;
            Buffer.BlockCopy(_buffer, _start, larger, 0, _end - _start);
            _end -= _start;
            _start = 0;
            _buffer = larger;
        }
        else if (_end == _buffer.Length)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }
        int got;
        try { got = _socket!.Receive(_buffer, _end, _buffer.Length - _end, SocketFlags.None); }
        catch (Exception e) when (e is SocketException or ObjectDisposedException) { got = 0; }
        if (got == 0) _endOfStream = true;
        _end += got;
    }

    private static MpPipeClosedException ClosedHere() => new(
        "This pipe end is closed: Close() was called on it (in this or another process), or the session that made the pipe ended.");
}
