using System;
using System.Buffers;
using System.Diagnostics;
using System.IO;
using System.Net.Sockets;
using System.Threading;

namespace Multiproc.Ipc;

/// <summary>The one way frames are written, for every connection: combining, and batching on request.</summary>
/// <remarks>
/// A sender appends its frame to the pending buffer and, if no other sender is writing, writes everything
/// pending itself. Under load, frames queued while a write is in flight go out together in the next
/// write; when idle, a send costs one system call and no thread wake-up.
/// <see cref="Send"/> returns only once its frame has been written: the data has left this process, so
/// it survives the process's death (SPEC §2, "nothing is lost"). A sender whose frame another sender is
/// writing waits for that write. <see cref="Post"/> is for messages whose loss with this process does not
/// matter: it only appends and leaves the write to a pool thread. With an <see cref="Outbox"/>, every
/// frame is also copied there as it is appended, and <see cref="PostDurable"/> returns once it is: the
/// frame has left the process without a system call of its own, and is written with the next batch.
/// Frames keep the order in which they were sent or posted.
/// </remarks>
internal sealed class FrameWriter
{
    private readonly Stream _stream;
    private readonly Func<Exception?, Exception> _brokenError;
    private readonly object _gate = new();
    private ArrayBufferWriter<byte> _pending = new(4096);   // guarded by _gate
    private ArrayBufferWriter<byte> _spare = new(4096);     // owned by the sender that is writing
    private long _appended;                                  // guarded by _gate: bytes ever appended
    private long _written;                                   // guarded by _gate: bytes ever written
    private int _waiting;                                    // guarded by _gate: senders waiting for a write
    private bool _writing;                                   // guarded by _gate
    private bool _flushQueued;                               // guarded by _gate
    private bool _stopped;                                   // guarded by _gate
    private bool _alone;                                     // guarded by _gate: a frame too large for the outbox is being written alone
    private Outbox? _outbox;                                 // set before the first frame
    private Exception? _failure;                             // guarded by _gate: why writing stopped, if it failed

    /// <param name="brokenError">The exception to throw once the stream is stopped or failed (the inner one, if any).</param>
    public FrameWriter(Stream stream, Func<Exception?, Exception> brokenError)
    {
        _stream = stream;
        _brokenError = brokenError;
    }

    /// <summary>Raised once, on the writing thread, when a write fails.</summary>
    public event Action? Failed;

    /// <summary>Copies every frame to <paramref name="outbox"/> from now on; call before the first frame.</summary>
    public void UseOutbox(Outbox outbox) => _outbox = outbox;

    /// <summary>Writes the frame (and anything posted before it) before returning.</summary>
    public void Send(FrameType type, ReadOnlySpan<byte> body)
    {
        if (TooLargeForOutbox(body)) { WriteAlone(type, body); return; }
        long mine;
        lock (_gate)
        {
            AppendWithRoom(type, body);
            mine = _appended;
            if (_writing)
            {
                // The sender that is writing takes this frame with its next batch; it has left this
                // process only once that batch is written.
                WaitWritten(mine);
                return;
            }
            _writing = true;
        }
        WritePending(mine);
    }

    /// <summary>Returns once the frame has left this process: copied to the outbox (and written soon), or written.</summary>
    /// <param name="deadline">See <see cref="Post"/>.</param>
    public void PostDurable(FrameType type, ReadOnlySpan<byte> body, long deadline = long.MaxValue)
    {
        if (_outbox is null) Send(type, body);
        else Post(type, body, deadline);   // a posted frame is in the outbox once Post returns
    }

    /// <summary>Queues the frame to be written soon by a pool thread.</summary>
    /// <param name="deadline">The tick by which the outbox must have room (a reader that does not read fills
    /// it); after that <see cref="TimeoutException"/> is thrown and nothing is queued. A frame larger than
    /// the outbox waits within it for its turn, and is then written whole.</param>
    public void Post(FrameType type, ReadOnlySpan<byte> body, long deadline = long.MaxValue)
    {
        if (TooLargeForOutbox(body)) { WriteAlone(type, body, deadline); return; }
        lock (_gate)
        {
            AppendWithRoom(type, body, deadline);
            if (!_writing) QueueFlush();
        }
    }

    // Under _gate.
    private void QueueFlush()
    {
        if (_flushQueued) return;
        _flushQueued = true;
        ThreadPool.UnsafeQueueUserWorkItem(static w => w.FlushQueued(), this, preferLocal: false);
    }

    private bool TooLargeForOutbox(ReadOnlySpan<byte> body) =>
        _outbox is not null && FrameCodec.HeaderSize + (long)body.Length > Outbox.Capacity;

    // Under _gate: appends once the outbox has room for the frame beside what is not written yet,
    // waiting for the writer (or writing here) until it has: a reader that does not read blocks us.
    private void AppendWithRoom(FrameType type, ReadOnlySpan<byte> body, long deadline = long.MaxValue)
    {
        Debug.Assert(Monitor.IsEntered(_gate));
        int length = FrameCodec.HeaderSize + body.Length;
        while (_alone || (_outbox is not null && !_outbox.HasRoom(_appended, _written, length)))
        {
            if (_stopped) throw _brokenError(_failure);
            if (_alone || _writing) { WaitForChange(deadline); continue; }
            if (deadline != long.MaxValue)
            {
                // A write here could block past the deadline: a pool thread writes, and this one waits.
                QueueFlush();
                WaitForChange(deadline);
                continue;
            }
            long all = _appended;
            _writing = true;
            Monitor.Exit(_gate);
            try { WritePending(all); }
            finally { Monitor.Enter(_gate); }
        }
        Append(type, body);
    }

    /// <summary>A frame larger than the outbox: written after everything before it, with nothing appended meanwhile.</summary>
    private void WriteAlone(FrameType type, ReadOnlySpan<byte> body, long deadline = long.MaxValue)
    {
        lock (_gate)
        {
            while (_alone) WaitForChange(deadline);
            _alone = true;
        }
        try
        {
            long mine;
            bool write;
            lock (_gate)
            {
                Append(type, body, copy: false);
                mine = _appended;
                write = !_writing;
                if (write) _writing = true;
                else WaitWritten(mine);
            }
            if (write) WritePending(mine);
            // Only now does the outbox go past it: a process that dies before this frame is written
            // leaves an outbox that ends where its stream does.
            _outbox!.Skip(mine);
        }
        finally
        {
            lock (_gate)
            {
                _alone = false;
                Monitor.PulseAll(_gate);
            }
        }
    }

    /// <summary>Writes whatever was posted, and returns once it is written (by this thread or another).</summary>
    public void Flush()
    {
        long all;
        lock (_gate)
        {
            all = _appended;
            if (_stopped || _written == all) return;
            if (_writing)
            {
                WaitWritten(all);
                return;
            }
            _writing = true;
        }
        WritePending(all);
    }

    /// <summary>No more writes: sends and posts from now on throw.</summary>
    public void Stop()
    {
        lock (_gate)
        {
            _stopped = true;
            if (_waiting > 0) Monitor.PulseAll(_gate);
        }
    }

    private void FlushQueued()
    {
        lock (_gate) _flushQueued = false;
        try { Flush(); }
        catch (Exception) { /* Failed has told the owner; the next send reports it */ }
    }

    // Under _gate.
    private void Append(FrameType type, ReadOnlySpan<byte> body, bool copy = true)
    {
        Debug.Assert(Monitor.IsEntered(_gate));
        if (_stopped) throw _brokenError(_failure);
        var header = _pending.GetSpan(FrameCodec.HeaderSize)[..FrameCodec.HeaderSize];
        FrameCodec.WriteHeader(header, type, body.Length);
        if (copy) _outbox?.Copy(_appended, header, body);
        _pending.Advance(FrameCodec.HeaderSize);
        body.CopyTo(_pending.GetSpan(body.Length));
        _pending.Advance(body.Length);
        _appended += FrameCodec.HeaderSize + body.Length;
    }

    // Under _gate: waits until the bytes up to `end` are written; throws if writing stopped first.
    private void WaitWritten(long end)
    {
        while (_written < end && !_stopped) WaitForChange();
        if (_written < end) throw _brokenError(_failure);
    }

    // Under _gate: sleeps until a write ends, the writer stops, or a lone frame is through.
    // Throws TimeoutException when called at or after the deadline.
    private void WaitForChange(long deadline = long.MaxValue)
    {
        Debug.Assert(Monitor.IsEntered(_gate));
        var remaining = Timeouts.Remaining(deadline);
        if (remaining == TimeSpan.Zero) throw new TimeoutException();
        _waiting++;
        try { Monitor.Wait(_gate, remaining); }
        finally { _waiting--; }
    }

    // Writes batches until nothing is pending; throws when the bytes up to `mine` could not be written.
    private void WritePending(long mine)
    {
        while (true)
        {
            ArrayBufferWriter<byte> batch;
            lock (_gate)
            {
                if (_pending.WrittenCount == 0 || _stopped)
                {
                    _writing = false;
                    if (_waiting > 0) Monitor.PulseAll(_gate);
                    if (_written < mine) throw _brokenError(_failure);
                    return;
                }
                batch = _pending;
                _pending = _spare;
            }
            try { _stream.Write(batch.WrittenSpan); }
            catch (Exception e)
            {
                lock (_gate)
                {
                    _writing = false;
                    _stopped = true;
                    _failure = e;
                    if (_waiting > 0) Monitor.PulseAll(_gate);
                }
                Failed?.Invoke();
                if (e is IOException or SocketException or ObjectDisposedException) throw _brokenError(e);
                throw;
            }
            int count = batch.WrittenCount;
            batch.Clear();
            lock (_gate)
            {
                _written += count;
                _spare = batch.Capacity <= SpareWriter.MaxKeptBytes ? batch : new ArrayBufferWriter<byte>(4096);
                if (_waiting > 0) Monitor.PulseAll(_gate);
            }
        }
    }
}
