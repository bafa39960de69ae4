using System;
using System.Buffers;
using System.IO;
using System.Net.Sockets;
using System.Threading;

namespace Multiproc.Ipc;

/// <summary>A framed, authenticated, full-duplex link between two processes over a Unix socket.</summary>
/// <remarks>
/// Writing combines: a sender appends its frame to the pending buffer and, if no other sender is
/// writing, writes everything pending itself. Under load, frames queued while a write is in flight go
/// out together in the next write; when idle, a send costs one system call and no thread wake-up.
/// <see cref="Post"/> is for streams of one-way frames: it only appends and leaves the write to a pool
/// thread, so a tight loop of posts costs one system call per batch instead of one per frame.
/// Reading happens on one background thread that hands each frame to the receiver in order.
/// </remarks>
internal sealed class Connection : IDisposable
{
    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly object _gate = new();
    private ArrayBufferWriter<byte> _pending = new(4096);   // guarded by _gate
    private ArrayBufferWriter<byte> _spare = new(4096);     // owned by the sender that is writing
    private bool _writing;                                   // guarded by _gate
    private bool _flushQueued;                               // guarded by _gate
    private bool _closed;                                    // guarded by _gate
    private Thread? _reader;

    private Connection(Socket socket)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
    }

    /// <summary>Raised on the reader thread once, when the link ends for any reason.</summary>
    public event Action<Exception?>? Closed;

    public bool IsClosed { get { lock (_gate) return _closed; } }

    /// <summary>The socket itself, for passing a pipe's socket over it before the reader starts.</summary>
    internal Socket Socket => _socket;

    /// <summary>Connects to an endpoint and proves the secret.</summary>
    public static Connection Connect(string path, byte[] secret)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            socket.Connect(new UnixDomainSocketEndPoint(path));
            Handshake.Prove(socket, secret);
            return new Connection(socket);
        }
        catch (SocketException e)
        {
            socket.Dispose();
            throw new MpObjectGoneException(
                $"Could not reach the Multiproc endpoint '{path}': {e.Message}. The session that owns it has ended.",
                path, e);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Wraps a server-side socket that already passed <see cref="Handshake.Verify"/>.</summary>
    public static Connection Accept(Socket socket) => new(socket);

    /// <summary>Reads one frame synchronously; for the first frame of a link, before <see cref="Start"/>.</summary>
    public Frame? ReadOne() => FrameCodec.Read(_stream, MpSettings.MaxMessageBytes);

    /// <summary>Starts the reader thread; each frame goes to <paramref name="onFrame"/> in order.</summary>
    public void Start(Action<Frame> onFrame, string name)
    {
        _reader = new Thread(() => ReadLoop(onFrame)) { IsBackground = true, Name = name };
        _reader.Start();
    }

    /// <summary>Sends one frame whose body is the written part of <paramref name="body"/>.</summary>
    /// <exception cref="MpObjectGoneException">The link is closed.</exception>
    public void Send(FrameType type, WireWriter body) => Send(type, body.WrittenSpan);

    /// <summary>Sends one frame.</summary>
    public void Send(FrameType type, ReadOnlySpan<byte> body)
    {
        lock (_gate)
        {
            if (_closed) throw Gone(null);
            Append(type, body);
            if (_writing) return;   // the sender that is writing takes this frame with its next batch
            _writing = true;
        }
        WritePending();
    }

    /// <summary>Queues one frame to be written soon by a pool thread; frames keep their order with <see cref="Send"/>.</summary>
    /// <exception cref="MpObjectGoneException">The link is closed.</exception>
    public void Post(FrameType type, ReadOnlySpan<byte> body)
    {
        lock (_gate)
        {
            if (_closed) throw Gone(null);
            Append(type, body);
            if (_writing || _flushQueued) return;
            _flushQueued = true;
        }
        ThreadPool.UnsafeQueueUserWorkItem(static c => c.FlushPosted(), this, preferLocal: false);
    }

    private void FlushPosted()
    {
        lock (_gate)
        {
            _flushQueued = false;
            if (_writing) return;
            _writing = true;
        }
        try { WritePending(); }
        catch (MpObjectGoneException) { /* the reader sees the close and reports it */ }
    }

    private void Append(FrameType type, ReadOnlySpan<byte> body)
    {
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
                if (_pending.WrittenCount == 0 || _closed) { _writing = false; return; }
                batch = _pending;
                _pending = _spare;
            }
            try
            {
                _stream.Write(batch.WrittenSpan);
            }
            catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
            {
                lock (_gate) _writing = false;
                Close();
                throw Gone(e);
            }
            batch.Clear();
            lock (_gate) _spare = batch;
        }
    }

    private void ReadLoop(Action<Frame> onFrame)
    {
        Exception? reason = null;
        try
        {
            while (FrameCodec.Read(_stream, MpSettings.MaxMessageBytes) is { } frame)
                onFrame(frame);
        }
        catch (Exception e) { reason = e; }
        Close();
        Closed?.Invoke(reason);
    }

    private static MpObjectGoneException Gone(Exception? inner) => new(
        "The connection to the other Multiproc process is closed; that process has ended.", null, inner);

    /// <summary>Closes the link; idempotent, safe from any thread.</summary>
    public void Close()
    {
        lock (_gate)
        {
            if (_closed) return;
            _closed = true;
        }
        try { _socket.Shutdown(SocketShutdown.Both); } catch (Exception) { /* already gone */ }
        _stream.Dispose();
    }

    public void Dispose() => Close();
}
