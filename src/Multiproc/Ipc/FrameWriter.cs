using System;
using System.Buffers;
using System.IO;
using System.Net.Sockets;
using System.Threading;

namespace Multiproc.Ipc;

/// <summary>The one way frames are written, for links and pipes alike: combining, and batching on request.</summary>
/// <remarks>
/// A sender appends its frame to the pending buffer and, if no other sender is writing, writes everything
/// pending itself. Under load, frames queued while a write is in flight go out together in the next
/// write; when idle, a send costs one system call and no thread wake-up.
/// <see cref="Post"/> is for streams of frames: it only appends and leaves the write to a pool thread,
/// so a tight loop of posts costs one system call per batch instead of one per frame. Frames keep the
/// order in which they were sent or posted.
/// </remarks>
internal sealed class FrameWriter
{
    private readonly Stream _stream;
    private readonly Func<Exception?, Exception> _brokenError;
    private readonly object _gate = new();
    private ArrayBufferWriter<byte> _pending = new(4096);   // guarded by _gate
    private ArrayBufferWriter<byte> _spare = new(4096);     // owned by the sender that is writing
    private bool _writing;                                   // guarded by _gate
    private bool _flushQueued;                               // guarded by _gate
    private bool _stopped;                                   // guarded by _gate

    /// <param name="brokenError">The exception to throw once the stream is stopped or failed (the inner one, if any).</param>
    public FrameWriter(Stream stream, Func<Exception?, Exception> brokenError)
    {
        _stream = stream;
        _brokenError = brokenError;
    }

    /// <summary>Raised once, on the writing thread, when a write fails.</summary>
    public event Action? Failed;

    /// <summary>Writes the frame (and anything posted before it) before returning.</summary>
    public void Send(FrameType type, ReadOnlySpan<byte> body)
    {
        lock (_gate)
        {
            Append(type, body);
            if (_writing) return;   // the sender that is writing takes this frame with its next batch
            _writing = true;
        }
        WritePending();
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

    /// <summary>Writes whatever was posted, now, unless another thread is already writing it.</summary>
    public void Flush()
    {
        lock (_gate)
        {
            if (_writing || _pending.WrittenCount == 0 || _stopped) return;
            _writing = true;
        }
        WritePending();
    }

    /// <summary>No more writes: sends and posts from now on throw.</summary>
    public void Stop()
    {
        lock (_gate) _stopped = true;
    }

    private void FlushQueued()
    {
        lock (_gate) _flushQueued = false;
        try { Flush(); }
        catch (Exception) { /* Failed has told the owner; the next send reports it */ }
    }

    private void Append(FrameType type, ReadOnlySpan<byte> body)
    {
        if (_stopped) throw _brokenError(null);
        FrameCodec.WriteHeader(_pending.GetSpan(FrameCodec.HeaderSize), type, body.Length);
        _pending.Advance(FrameCodec.HeaderSize);
        body.CopyTo(_pending.GetSpan(body.Length));
        _pending.Advance(body.Length);
    }

    private void WritePending()
    {
        while (true)
        {
            ArrayBufferWriter<byte> batch;
            lock (_gate)
            {
                if (_pending.WrittenCount == 0 || _stopped) { _writing = false; return; }
                batch = _pending;
                _pending = _spare;
            }
            try
            {
                _stream.Write(batch.WrittenSpan);
            }
            catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
            {
                lock (_gate) { _writing = false; _stopped = true; }
                Failed?.Invoke();
                throw _brokenError(e);
            }
            batch.Clear();
            lock (_gate) _spare = batch;
        }
    }
}
