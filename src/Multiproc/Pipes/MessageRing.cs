using System;
using System.IO;
using System.Threading;
using Multiproc.Ipc;
using Multiproc.Sync;

namespace Multiproc.Pipes;

/// <summary>One direction of a pipe: frames in a ring of shared memory that every process holding the pipe maps.</summary>
/// <remarks>
/// A frame is published whole under the cell's guard: its bytes are copied in, then the tail moves past
/// them. So a send that returned has left its process (the memory outlives it, SPEC §2), a sender killed
/// in the middle of a copy published nothing, and a receiver takes one whole frame or none: any number of
/// processes may send and receive, and messages stay whole and in order. Frames are laid out as on a
/// stream (<see cref="FrameCodec"/>); positions are 32-bit counters that wrap, and the frame at position
/// p starts at p % <see cref="Capacity"/>. Waits are the cell's (<see cref="SyncCell.WaitFor"/>): nobody
/// makes a system call unless someone sleeps.
/// State words: [0] head, bytes taken; [1] tail, bytes published; [2] where the last spill record ends;
/// [3] the sending end is closed; [4] the receiving end is closed; [5] the process id of the pipe's maker.
/// </remarks>
internal sealed unsafe class MessageRing
{
    public const int Capacity = 256 * 1024;
    /// <summary>The largest frame the ring carries; larger messages are spilled to a file (<see cref="EndChannel"/>).</summary>
    public const int MaxFrame = 64 * 1024;

    private const int Head = 0, Tail = 1, SpillEnd = 2, SenderClosed = 3, ReceiverClosed = 4, Maker = 5;

    // Each thread's attempts: sending and receiving allocate nothing but the message itself.
    [ThreadStatic] private static Outgoing? t_outgoing;
    [ThreadStatic] private static Incoming? t_incoming;

    private readonly SyncCell _cell;
    private readonly byte* _ring;

    /// <param name="cell">A <see cref="SharedMemory.CellSize"/> block, zero in a new pipe.</param>
    /// <param name="ring">The ring's <see cref="Capacity"/> bytes.</param>
    public MessageRing(byte* cell, byte* ring)
    {
        _cell = new SyncCell(cell);
        _ring = ring;
    }

    /// <summary>Marks a new ring as belonging to a pipe made by this process.</summary>
    public void SetMaker() => _cell[Maker] = SyncCell.ProcessId;

    public bool SendingClosed => Volatile.Read(ref _cell[SenderClosed]) != 0;

    public bool ReceivingClosed => Volatile.Read(ref _cell[ReceiverClosed]) != 0;

    /// <summary>Publishes one frame, waiting for room; false when either end closed first.</summary>
    /// <param name="spill">The frame names a spill file: at most one such is in the ring at a time, so a
    /// reader that does not read holds up at most one large message on disk.</param>
    public bool Send(FrameType type, ReadOnlySpan<byte> body, bool spill)
    {
        if (FrameCodec.HeaderSize + body.Length > MaxFrame) throw new ArgumentOutOfRangeException(nameof(body));
        fixed (byte* bytes = body)
        {
            var outgoing = t_outgoing ??= new Outgoing();
            outgoing.Ring = this;
            outgoing.Type = type;
            outgoing.Bytes = bytes;
            outgoing.Length = body.Length;
            outgoing.Spill = spill;
            outgoing.Published = false;
            _cell.WaitFor(s_tryPublish, outgoing, s_closeIfMakerDied, Timeout.InfiniteTimeSpan, CancellationToken.None);
            bool published = outgoing.Published;
            if (published) _cell.WakeAll();
            return published;
        }
    }

    /// <summary>Takes the next frame; null when the ring is closed (and, if only its sender closed, drained).</summary>
    /// <exception cref="TimeoutException">Nothing came within <paramref name="timeout"/>.</exception>
    /// <exception cref="InvalidDataException">The ring holds something that is not a frame.</exception>
    public Frame? Receive(TimeSpan timeout, CancellationToken cancel)
    {
        var incoming = t_incoming ??= new Incoming();
        incoming.Ring = this;
        incoming.Taken = false;
        if (!_cell.WaitFor(s_tryTake, incoming, s_closeIfMakerDied, timeout, cancel)) throw new TimeoutException();
        if (!incoming.Taken) return null;
        _cell.WakeAll();   // senders waiting for room
        return new Frame(incoming.Type, incoming.Body.AsSpan(0, incoming.Length).ToArray());
    }

    /// <summary>True when a frame or the end is there to receive, waiting up to <paramref name="timeout"/>.</summary>
    public bool Poll(TimeSpan timeout) =>
        _cell.WaitFor(static c => Used(c) > 0 || c[SenderClosed] != 0 || c[ReceiverClosed] != 0,
            s_closeIfMakerDied, timeout, CancellationToken.None);

    /// <summary>The end this ring leaves from is closed: receivers take what is left, then see the end.</summary>
    public void CloseSending() => Set(static c => c[SenderClosed] = 1);

    /// <summary>The end this ring goes to is closed: sends fail, and so do receives.</summary>
    public void CloseReceiving() => Set(static c => c[ReceiverClosed] = 1);

    private void Set(Action<SyncCell> change)
    {
        _cell.Change(c => { change(c); return true; });
        _cell.WakeAll();
    }

    private static uint Used(SyncCell c) => unchecked((uint)c[Tail] - (uint)c[Head]);

    // A position, not a count: taking a frame changes one word only, so a receiver killed mid-take
    // cannot leave the ring believing it holds a spill record it does not.
    private static bool SpillInRing(SyncCell c) => unchecked(c[SpillEnd] - c[Head]) > 0;

    // ---- under the cell's guard ---------------------------------------------------------------------

    private static readonly Func<SyncCell, Outgoing, bool> s_tryPublish = static (c, o) =>
    {
        if (c[SenderClosed] != 0 || c[ReceiverClosed] != 0) return true;
        int length = FrameCodec.HeaderSize + o.Length;
        if (Capacity - Used(c) < length || (o.Spill && SpillInRing(c))) return false;
        Span<byte> header = stackalloc byte[FrameCodec.HeaderSize];
        FrameCodec.WriteHeader(header, o.Type, o.Length);
        uint at = (uint)c[Tail];
        o.Ring.CopyIn(at, header);
        o.Ring.CopyIn(at + FrameCodec.HeaderSize, new ReadOnlySpan<byte>(o.Bytes, o.Length));
        c[Tail] = unchecked((int)(at + (uint)length));
        if (o.Spill) c[SpillEnd] = c[Tail];
        o.Published = true;
        return true;
    };

    private static readonly Func<SyncCell, Incoming, bool> s_tryTake = static (c, i) =>
    {
        if (c[ReceiverClosed] != 0) return true;
        if (Used(c) == 0) return c[SenderClosed] != 0;
        uint at = (uint)c[Head];
        Span<byte> header = stackalloc byte[FrameCodec.HeaderSize];
        i.Ring.CopyOut(at, header);
        int length = FrameCodec.ReadHeader(header, MaxFrame - FrameCodec.HeaderSize, out i.Type);
        if (FrameCodec.HeaderSize + length > Used(c)) throw new InvalidDataException("A pipe's ring ends inside a frame.");
        i.Ring.CopyOut(at + FrameCodec.HeaderSize, i.Body.AsSpan(0, length));
        i.Length = length;
        c[Head] = unchecked((int)(at + (uint)(FrameCodec.HeaderSize + length)));
        i.Taken = true;
        return true;
    };

    // Run after a sleep in which nothing changed: a pipe closes when the session that made it is gone.
    private static readonly Action<SyncCell> s_closeIfMakerDied = static c =>
    {
        if (c[Maker] != 0 && !SyncCell.IsAlive(c[Maker])) c[SenderClosed] = c[ReceiverClosed] = 1;
    };

    private void CopyIn(uint at, ReadOnlySpan<byte> bytes)
    {
        int offset = (int)(at % Capacity);
        int first = Math.Min(bytes.Length, Capacity - offset);
        bytes[..first].CopyTo(new Span<byte>(_ring + offset, first));
        bytes[first..].CopyTo(new Span<byte>(_ring, bytes.Length - first));
    }

    private void CopyOut(uint at, Span<byte> bytes)
    {
        int offset = (int)(at % Capacity);
        int first = Math.Min(bytes.Length, Capacity - offset);
        new ReadOnlySpan<byte>(_ring + offset, first).CopyTo(bytes);
        new ReadOnlySpan<byte>(_ring, bytes.Length - first).CopyTo(bytes[first..]);
    }

    /// <summary>A frame on its way in: the attempt copies it, and says whether it did.</summary>
    private sealed class Outgoing
    {
        public MessageRing Ring = null!;
        public FrameType Type;
        public byte* Bytes;
        public int Length;
        public bool Spill;
        public bool Published;
    }

    /// <summary>Where a receiving thread's attempt puts the frame it takes: allocating under the guard could stall the other processes.</summary>
    private sealed class Incoming
    {
        public MessageRing Ring = null!;
        public readonly byte[] Body = new byte[MaxFrame];
        public FrameType Type;
        public int Length;
        public bool Taken;
    }
}
