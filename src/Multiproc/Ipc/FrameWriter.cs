using System;
using System.Buffers;
using System.Diagnostics;
using System.IO;
using System.Net.Sockets;
using System.Threading;

namespace Multiproc.Ipc;

/// <summary>The one way frames are written, for links and pipes alike: combining, and batching on request.</summary>
/// <remarks>
/// A sender appends its frame to the pending buffer and, if no other sender is writing, writes everything
/// pending itself. Under load, frames queued while a write is in flight go out together in the next
/// write; when idle, a send costs one system call and no thread wake-up.
/// <see cref="Send"/> returns only once its frame has been written: the data has left this process, so
/// it survives the process's death (SPEC §2, "nothing is lost"). A sender whose frame another sender is
/// writing waits for that write. <see cref="Post"/> is for messages whose loss with this process does not
/// matter: it only appends and leaves the write to a pool thread. Frames keep the order in which they
/// were sent or posted.
/// </remarks>
internal sealed class FrameWriter
{
    private readonly Stream _stream;
    private readonly Func<Exception?, Exception> _brokenError;
    private readonly IWriteGuard? _guard;
    private readonly object _gate = new();
    private ArrayBufferWriter<byte> _pending = new(4096);   // guarded by _gate
    private ArrayBufferWriter<byte> _spare = new(4096);     // owned by the sender that is writing
    private long _appended;                                  // guarded by _gate: bytes ever appended
    private long _written;                                   // guarded by _gate: bytes ever written
    private int _waiting;                                    // guarded by _gate: senders waiting for a write
    private bool _writing;                                   // guarded by _gate
    private bool _flushQueued;                               // guarded by _gate
    private bool _stopped;                                   // guarded by _gate
    private Exception? _failure;                             // guarded by _gate: why writing stopped, if it failed

    /// <param name="brokenError">The exception to throw once the stream is stopped or failed (the inner one, if any).</param>
    /// <param name="guard">Held around each write, when other processes write to the same stream.</param>
    public FrameWriter(Stream stream, Func<Exception?, Exception> brokenError, IWriteGuard? guard = null)
    {
        _stream = stream;
        _brokenError = brokenError;
        _guard = guard;
    }

    /// <summary>Raised once, on the writing thread, when a write fails.</summary>
    public event Action? Failed;

    /// <summary>Writes the frame (and anything posted before it) before returning.</summary>
    public void Send(FrameType type, ReadOnlySpan<byte> body)
    {
        long mine;
        lock (_gate)
        {
            Append(type, body);
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

    /// <summary>Queues the frame to be written soon by a pool thread.</summary>
    public void Post(FrameType type, ReadOnlySpan<byte> body)
    {
        lock (_gate)
        {
            Append(type, body);
            if (_writing || _flushQueued) return;
            _flushQueued = true;
        }
        ThreadPool.UnsafeQueueUserWorkItem(static w => w.FlushQueued(), this, preferLocal: false);
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
    private void Append(FrameType type, ReadOnlySpan<byte> body)
    {
        Debug.Assert(Monitor.IsEntered(_gate));
        if (_stopped) throw _brokenError(_failure);
        FrameCodec.WriteHeader(_pending.GetSpan(FrameCodec.HeaderSize), type, body.Length);
        _pending.Advance(FrameCodec.HeaderSize);
        body.CopyTo(_pending.GetSpan(body.Length));
        _pending.Advance(body.Length);
        _appended += FrameCodec.HeaderSize + body.Length;
    }

    // Under _gate: waits until the bytes up to `end` are written; throws if writing stopped first.
    private void WaitWritten(long end)
    {
        Debug.Assert(Monitor.IsEntered(_gate));
        _waiting++;
        try
        {
            while (_written < end && !_stopped) Monitor.Wait(_gate);
        }
        finally { _waiting--; }
        if (_written < end) throw _brokenError(_failure);
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
            try
            {
                _guard?.Enter();
                try { _stream.Write(batch.WrittenSpan); }
                finally { _guard?.Exit(); }
            }
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
                _spare = batch;
                if (_waiting > 0) Monitor.PulseAll(_gate);
            }
        }
    }
}

/// <summary>Held around each write to a stream that other processes write to as well, so frames stay whole.</summary>
internal interface IWriteGuard
{
    void Enter();
    void Exit();
}
