using System;
using System.Buffers;
using System.IO;
using System.Net.Sockets;
using System.Threading;

namespace Multiproc.Ipc;

/// <summary>A framed, authenticated, full-duplex link between two processes over a Unix socket.</summary>
/// <remarks>
/// Writing goes through a <see cref="FrameWriter"/>; reading happens on one background thread that hands
/// each frame to the receiver in order.
/// </remarks>
internal sealed class Connection : IDisposable
{
    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly BufferedStream _input;   // one read takes every frame that has arrived
    private readonly FrameWriter _writer;
    private readonly object _gate = new();
    private bool _closed;                                    // guarded by _gate
    private Thread? _reader;
    private string? _outboxPath;                             // set before Start
    private long _read;                                      // reader only: bytes of the frames read, as the sender counts them

    private Connection(Socket socket)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
        _input = new BufferedStream(_stream, 64 * 1024);
        _writer = new FrameWriter(_stream, Gone);
        // A write fails when the other process is gone; what it sent before going may still be unread
        // here (a pool worker's last results): stop writing, and let the reader read to the end.
        _writer.Failed += () => { try { _socket.Shutdown(SocketShutdown.Send); } catch (Exception) { /* already gone */ } };
    }

    /// <summary>Raised on the reader thread once, when the link ends for any reason.</summary>
    public event Action<Exception?>? Closed;

    public bool IsClosed { get { lock (_gate) return _closed; } }

    /// <summary>The socket itself, for passing a pipe's socket over it before the reader starts.</summary>
    internal Socket Socket => _socket;

    /// <summary>Connects to an endpoint and proves the secret.</summary>
    public static Connection Connect(string path, byte[] secret)
    {
        Socket? socket = null;
        try
        {
            socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            socket.Connect(new UnixDomainSocketEndPoint(path));
            Handshake.Prove(socket, secret);
            return new Connection(socket);
        }
        catch (SocketException e)
        {
            socket?.Dispose();
            throw OpenFileLimit.Error(e, "connect to another Multiproc process") ?? (Exception)new MpObjectGoneException(
                $"Could not reach the Multiproc endpoint '{path}': {e.Message}. The session that owns it has ended.",
                path, e);
        }
        catch
        {
            socket?.Dispose();
            throw;
        }
    }

    /// <summary>Wraps a server-side socket that already passed its handshake (<see cref="Handshake.Verifier"/>).</summary>
    public static Connection Accept(Socket socket) => new(socket);

    /// <summary>Reads one frame synchronously; for the first frame of a link, before <see cref="Start"/>.</summary>
    public Frame? ReadOne()
    {
        var frame = FrameCodec.Read(_input, MpSettings.MaxMessageBytes);
        if (frame is { } read) _read += FrameCodec.HeaderSize + read.Body.Length;
        return frame;
    }

    /// <summary>Starts the reader thread; each frame goes to <paramref name="onFrame"/> in order.</summary>
    public void Start(Action<Frame> onFrame, string name)
    {
        _reader = new Thread(() => ReadLoop(onFrame)) { IsBackground = true, Name = name };
        _reader.Start();
    }

    /// <summary>Sends one frame whose body is the written part of <paramref name="body"/>.</summary>
    /// <exception cref="MpObjectGoneException">The link is closed.</exception>
    public void Send(FrameType type, WireWriter body) => Send(type, body.WrittenSpan);

    /// <summary>Sends one frame now (with anything posted before it).</summary>
    /// <exception cref="MpObjectGoneException">The link is closed.</exception>
    public void Send(FrameType type, ReadOnlySpan<byte> body) => _writer.Send(type, body);

    /// <summary>Queues one frame to be written soon, batched with others; order is kept with <see cref="Send(FrameType, ReadOnlySpan{byte})"/>.</summary>
    /// <exception cref="MpObjectGoneException">The link is closed.</exception>
    public void Post(FrameType type, ReadOnlySpan<byte> body) => _writer.Post(type, body);

    /// <summary>Returns once the frame has left this process (see <see cref="FrameWriter.PostDurable"/>).</summary>
    /// <exception cref="MpObjectGoneException">The link is closed.</exception>
    /// <exception cref="TimeoutException">No room by <paramref name="deadline"/>; nothing was sent.</exception>
    public void PostDurable(FrameType type, ReadOnlySpan<byte> body, long deadline = long.MaxValue) => _writer.PostDurable(type, body, deadline);

    /// <summary>Copies every frame sent from now on to <paramref name="outbox"/>; before the first frame.</summary>
    public void UseOutbox(Outbox outbox) => _writer.UseOutbox(outbox);

    /// <summary>When the other process ends, the one-way frames it sent but never wrote are taken from its outbox.</summary>
    public void RecoverFrom(string outboxPath) => _outboxPath = outboxPath;

    private void ReadLoop(Action<Frame> onFrame)
    {
        Exception? reason = null;
        try
        {
            while (ReadOne() is { } frame) onFrame(frame);
            // The stream ended between frames: what the other process had sent but not written follows.
            if (_outboxPath is { } path)
                foreach (var unwritten in Outbox.Recover(path, _read, MpSettings.MaxMessageBytes))
                    if (unwritten.Type == FrameType.Post) onFrame(unwritten);   // a call unanswered never returned
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
        _writer.Stop();
        try { _socket.Shutdown(SocketShutdown.Both); } catch (Exception) { /* already gone */ }
        _stream.Dispose();
    }

    public void Dispose() => Close();
}
