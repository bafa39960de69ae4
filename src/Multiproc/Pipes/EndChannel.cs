using System;
using System.IO;
using System.Threading;
using Multiproc.Ipc;

namespace Multiproc.Pipes;

/// <summary>One process's use of one pipe end: the ring it sends on and the ring it receives from.</summary>
/// <remarks>
/// Every handle to the same end in one process shares this; every process sees the same rings
/// (<see cref="MessageRing"/>), so an end is one object wherever its handles are. A message too large for
/// a ring is written to a file beside the pipe's, and the ring carries the file's name: it has left the
/// sender's process all the same, and a receiver that dies loses at most the message in its hands.
/// Every use of the rings is under a <see cref="PipeFile.Hold"/>: a pipe this process released is closed,
/// and its memory is gone.
/// </remarks>
internal sealed class EndChannel
{
    private readonly PipeFile _file;
    private readonly MessageRing _out;
    private readonly MessageRing _in;
    private readonly string _spillDirectory;
    private readonly object _unreadGate = new();
    private Frame? _unread;   // guarded by _unreadGate: a spilled message taken whose file could not be opened yet

    public EndChannel(PipeFile file, MessageRing outgoing, MessageRing incoming, string spillDirectory)
    {
        _file = file;
        _out = outgoing;
        _in = incoming;
        _spillDirectory = spillDirectory;
    }

    /// <summary>True once Close() was called on this end in any process, or the session that made the pipe ended.</summary>
    public bool IsClosed
    {
        get
        {
            using var use = _file.Hold();
            return !use.Held || _out.SendingClosed;
        }
    }

    /// <summary>Closes the end for every process: the other end receives what was sent, then sees the end.</summary>
    public void Close()
    {
        using var use = _file.Hold();
        if (!use.Held) return;
        _out.CloseSending();
        _in.CloseReceiving();
    }

    public void Send(object? value) => Send(FrameType.PipeValue, value, default);

    public void SendBytes(ReadOnlySpan<byte> bytes) => Send(FrameType.PipeBytes, null, bytes);

    private void Send(FrameType type, object? value, ReadOnlySpan<byte> bytes)
    {
        var body = SpareWriter.Rent();
        try
        {
            if (type == FrameType.PipeBytes) body.WriteRaw(bytes);
            else body.WriteValue(value);
            using var use = _file.Hold();
            if (!use.Held || _out.SendingClosed) throw ClosedHere();
            bool sent = FrameCodec.HeaderSize + body.Length <= MessageRing.MaxFrame
                ? _out.Send(type, body.WrittenSpan, spill: false)
                : SendSpilled(type, body.WrittenSpan);
            if (!sent) throw _out.SendingClosed ? ClosedHere() : OtherEndClosed();
        }
        finally { SpareWriter.Return(body); }
    }

    private bool SendSpilled(FrameType type, ReadOnlySpan<byte> body)
    {
        var path = Path.Combine(_spillDirectory, $"spill-{Guid.NewGuid():N}");
        try
        {
            using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1);
            file.Write(body);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            try { File.Delete(path); } catch (IOException) { }
            if (_out.SendingClosed || _out.ReceivingClosed) return false;
            throw OpenFileLimit.Error(e, "store a large message for the pipe") ?? (Exception)new MpSerializationException(
                $"A message of {body.Length:N0} bytes could not be stored for the pipe ({e.Message}). Free space in '{_spillDirectory}', or send smaller messages.", null, e);
        }
        var record = new WireWriter(128);   // rare: a message over 64 KB
        record.WriteByte((byte)type);
        record.WriteString(path);
        if (_out.Send(FrameType.PipeSpill, record.WrittenSpan, spill: true)) return true;
        try { File.Delete(path); } catch (IOException) { }
        return false;
    }

    /// <summary>The next message: a value, or a byte array when it was sent with SendBytes.</summary>
    /// <param name="bytesOnly">Only a byte array will do.</param>
    public object? Receive(TimeSpan timeout, CancellationToken cancel, bool bytesOnly = false)
    {
        using var use = _file.Hold();
        Frame message;
        try
        {
            if (!use.Held || _out.SendingClosed) throw ClosedHere();
            Frame? held;
            lock (_unreadGate) (held, _unread) = (_unread, null);
            if ((held ?? _in.Receive(timeout, cancel)) is not { } frame) throw _out.SendingClosed || _in.ReceivingClosed ? ClosedHere() : Drained();
            message = frame.Type == FrameType.PipeSpill ? UnspillOrHold(frame) : frame;
        }
        catch (TimeoutException) { throw TimedOut(timeout); }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            throw new MpSerializationException(
                $"A message on the pipe could not be read ({e.Message}): something other than Multiproc wrote to its memory or files. Make a new pipe.", null, e);
        }
        if (message.Type == FrameType.PipeBytes) return message.Body;
        if (bytesOnly) throw new MpSerializationException(
            "The message was sent with Send(), not SendBytes(), and is not a byte array: read such messages with Receive().");
        return new WireReader(message.Body).ReadValue();
    }

    // With no descriptor left the file cannot be opened: the message is kept for the next Receive, not lost.
    private Frame UnspillOrHold(Frame record)
    {
        try { return Unspill(record); }
        catch (IOException e) when (OpenFileLimit.Error(e, "read a large message from the pipe") is { } noRoom)
        {
            lock (_unreadGate) _unread ??= record;
            throw noRoom;
        }
    }

    private static Frame Unspill(Frame record)
    {
        var reader = new WireReader(record.Body);
        var type = (FrameType)reader.ReadByte();
        var path = reader.ReadString();
        if (new FileInfo(path).Length > MpSettings.MaxMessageBytes)
        {
            File.Delete(path);
            throw new InvalidDataException($"A spilled message is over the size limit of {MpSettings.MaxMessageBytes:N0} bytes.");
        }
        var body = File.ReadAllBytes(path);   // a failure leaves the file, for a Receive that holds the record to read again
        File.Delete(path);
        return new Frame(type, body);
    }

    /// <summary>True when a message (or the end) is there to receive, waiting up to <paramref name="timeout"/>.</summary>
    public bool Poll(TimeSpan timeout)
    {
        using var use = _file.Hold();
        return !use.Held || _out.SendingClosed || _in.Poll(timeout);
    }

    private static MpTimeoutException TimedOut(TimeSpan timeout) => new(
        $"Timed out: no message came within {timeout.TotalSeconds} seconds. Wait longer, or check the sender is running.");

    private static MpPipeClosedException Drained() => new(
        "The other end of the pipe is closed and every message it sent has been received.");

    private static MpPipeClosedException OtherEndClosed() => new(
        "The other end of the pipe is closed: nothing sent now can be received.");

    private static MpPipeClosedException ClosedHere() => new(
        "This pipe end is closed: Close() was called on it (in this or another process), or the session that made the pipe ended.");
}
