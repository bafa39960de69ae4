using System;
using System.IO;
using System.Net.Sockets;
using System.Threading;
using Multiproc.Ipc;

namespace Multiproc.Pipes;

/// <summary>One process's use of one pipe end: its socket, its locks, and whether it is closed.</summary>
/// <remarks>
/// Every handle to the same end in one process shares this. Messages are frames, written by a
/// <see cref="FrameWriter"/> and parsed by <see cref="FrameCodec"/>, the same as on every link. A send
/// returns once its frame has left this process, so it survives the process's death. Sends and receives
/// hold the end's lock for their direction (<see cref="EndLocks"/>), so messages are whole whoever sends
/// or receives them.
/// A receive first peeks at what the socket holds, then takes exactly the bytes of one message out of
/// it in one system call: a process never holds a message it has not delivered, so what one reader has
/// not received stays for the others, and a reader that dies loses at most the message in its hands
/// (for messages over 64 KB, see <see cref="NextFrame"/>).
/// </remarks>
internal sealed class EndChannel
{
    private const int PeekSize = 64 * 1024;   // well below what the kernel lets one sender have in flight (about 200 KB)
    [ThreadStatic] private static WireWriter? t_writer;

    private readonly Socket? _socket;
    private readonly Stream _stream;
    private readonly FrameWriter _writer;
    private readonly EndLocks? _locks;
    private readonly Action _tellOthers;
    private readonly object _readGate = new();
    private readonly byte[] _peek = new byte[PeekSize];     // guarded by _readGate
    private bool _endOfStream;                               // guarded by _readGate
    private volatile bool _closed;

    /// <param name="socket">The end's socket; null for an end that was already closed.</param>
    /// <param name="locks">The end's locks, shared with every process that holds it; null when closed.</param>
    /// <param name="tellOthers">Tells every other process using this end that it is closed.</param>
    public EndChannel(Socket? socket, EndLocks? locks, Action tellOthers)
    {
        _socket = socket;
        _locks = locks;
        _tellOthers = tellOthers;
        _closed = socket is null;
        _stream = socket is null ? Stream.Null : new NetworkStream(socket, ownsSocket: false);
        _writer = new FrameWriter(_stream, inner =>
            _closed ? ClosedHere() : new MpPipeClosedException(
                "The other end of the pipe is closed: nothing sent now can be received.", null, inner), locks);
    }

    public bool IsClosed => _closed;

    /// <summary>Where the end's locks live, for handles to it.</summary>
    public (string Path, int Offset) LocksCell => (_locks?.Path ?? "", _locks?.Offset ?? 0);

    /// <summary>Closes the end for every process: the other end sees the end of the stream once it has read the rest.</summary>
    public void Close()
    {
        if (_closed) return;
        // Every Send returned only once its message had left, so nothing is pending; a Send still blocked
        // on a full socket (its reader does not read) is ended by this, as it should be.
        MarkClosed();
        _tellOthers();
    }

    /// <summary>The end was closed (here, in another process, or with the owner's session).</summary>
    public void MarkClosed()
    {
        _closed = true;
        _writer.Stop();
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
        _writer.Send(type, body.WrittenSpan);
    }

    /// <summary>The next message: a value, or a byte array when it was sent with SendBytes.</summary>
    /// <param name="bytesOnly">Only a byte array will do.</param>
    public object? Receive(TimeSpan timeout, CancellationToken cancel, bool bytesOnly = false)
    {
        long deadline = Timeouts.Deadline(timeout);
        Frame message;
        lock (_readGate)
        {
            if (_closed) throw ClosedHere();
            if (_endOfStream) throw Drained();
            if (!_locks!.EnterReceive(Timeouts.Remaining(deadline), cancel)) throw TimedOut(timeout);
            try
            {
                if (NextFrame(deadline, cancel) is not { } frame)
                {
                    if (_closed) throw ClosedHere();
                    _endOfStream = true;
                    throw Drained();
                }
                message = frame;
            }
            catch (TimeoutException) { throw TimedOut(timeout); }
            catch (Exception e) when (e is IOException or InvalidDataException or SocketException or ObjectDisposedException)
            {
                if (_closed) throw ClosedHere();
                _endOfStream = true;
                throw new MpSerializationException(
                    $"The pipe's stream is broken ({e.Message}): a sender died in the middle of a message, or wrote to the socket directly. Make a new pipe.", null, e);
            }
            finally { _locks.ExitReceive(); }
        }
        if (message.Type == FrameType.PipeBytes) return message.Body;
        if (bytesOnly) throw new MpSerializationException(
            "The message was sent with Send(), not SendBytes(), and is not a byte array: read such messages with Receive().");
        return new WireReader(message.Body).ReadValue();
    }

    /// <summary>True when a message (or the end of the stream) is there to receive, waiting up to <paramref name="timeout"/>.</summary>
    public bool Poll(TimeSpan timeout)
    {
        if (_closed) return true;
        long deadline = Timeouts.Deadline(timeout);
        lock (_readGate)
        {
            if (_endOfStream) return true;
            if (!_locks!.EnterReceive(Timeouts.Remaining(deadline), CancellationToken.None)) return false;
            try
            {
                long micros = deadline == long.MaxValue ? -1 : Math.Max(0, deadline - Environment.TickCount64) * 1000;
                return _socket!.Poll((int)Math.Min(micros, int.MaxValue), SelectMode.SelectRead);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException) { return true; }
            finally { _locks.ExitReceive(); }
        }
    }

    // ---- under _readGate and the end's receiving lock ----------------------------------------------

    /// <summary>The next frame, taken out of the socket whole; null at the end of the stream.</summary>
    /// <remarks>
    /// A frame that fits in a peek is taken only once all of it is there, in one call: it leaves the
    /// socket whole or not at all, and the wait for its last bytes keeps the deadline. A larger one is
    /// read as it comes: a reader killed in the middle of one breaks the stream for the others.
    /// </remarks>
    private Frame? NextFrame(long deadline, CancellationToken cancel)
    {
        while (true)
        {
            if (!WaitReadable(deadline, cancel)) throw new TimeoutException();
            int peeked = _socket!.Receive(_peek, SocketFlags.Peek);
            if (peeked == 0) return null;
            int length = 0;
            if (peeked >= FrameCodec.HeaderSize)
            {
                int bodyLength = FrameCodec.ReadHeader(_peek, MpSettings.MaxMessageBytes, out var type);
                length = FrameCodec.HeaderSize + bodyLength;
                if (length <= peeked)
                {
                    int taken = _socket.Receive(_peek, 0, length, SocketFlags.None);
                    if (taken != length) throw new IOException("A peeked message could not be taken whole.");
                    return new Frame(type, _peek.AsSpan(FrameCodec.HeaderSize, bodyLength).ToArray());
                }
                if (length > PeekSize) break;
            }
            // Its sender is still writing it: look again in a moment, within the deadline.
            if (deadline != long.MaxValue && Environment.TickCount64 >= deadline) throw new TimeoutException();
            cancel.ThrowIfCancellationRequested();
            Thread.Sleep(1);
        }
        return FrameCodec.Read(_stream, MpSettings.MaxMessageBytes) ?? throw new EndOfStreamException();
    }

    private bool WaitReadable(long deadline, CancellationToken cancel)
    {
        // With no deadline and nothing to cancel, the peek itself waits: the fastest wake-up there is.
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

    private static MpTimeoutException TimedOut(TimeSpan timeout) => new(
        $"Timed out: no message came within {timeout.TotalSeconds} seconds. Wait longer, or check the sender is running.");

    private static MpPipeClosedException Drained() => new(
        "The other end of the pipe is closed and every message it sent has been received.");

    private static MpPipeClosedException ClosedHere() => new(
        "This pipe end is closed: Close() was called on it (in this or another process), or the session that made the pipe ended.");
}
