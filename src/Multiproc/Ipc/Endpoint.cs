using System;
using System.Collections.Generic;
using System.IO;
using System.Net.Sockets;
using System.Threading;

namespace Multiproc.Ipc;

/// <summary>The session's listening Unix socket, inside its private directory.</summary>
/// <remarks>
/// One thread accepts connections and runs their handshakes (<see cref="Handshake.Verifier"/>) side by side,
/// waking only when a socket has something to read: a peer that dribbles its proof or sends nothing holds
/// no thread. Each handshake has one deadline in all, and at most <see cref="MaxPending"/> wait at once; the
/// oldest goes first, so a flood of silent connections cannot keep a real one out for long. A socket that
/// does not prove the secret is closed and never reaches the accepted callback, so it changes nothing.
/// </remarks>
internal sealed class Endpoint : IDisposable
{
    /// <summary>Handshakes that may wait at once; a real peer answers within microseconds of its nonce.</summary>
    public const int MaxPending = 64;

    private readonly Socket _listener;
    private readonly byte[] _secret;
    private readonly Action<Connection> _accepted;
    private readonly long _deadlineMilliseconds;
    private readonly List<Handshake.Verifier> _pending = new();   // endpoint thread only; oldest first
    private long _acceptPausedUntil;   // endpoint thread only: out of descriptors, the next accept waits a little
    private volatile bool _disposed;

    public Endpoint(string path, byte[] secret, Action<Connection> accepted, TimeSpan? handshakeDeadline = null)
    {
        Path = path;
        _secret = secret;
        _accepted = accepted;
        _deadlineMilliseconds = (long)(handshakeDeadline ?? Handshake.Deadline).TotalMilliseconds;
        _listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        _listener.Bind(new UnixDomainSocketEndPoint(path));
        _listener.Listen(128);
        new Thread(Run) { IsBackground = true, Name = "Multiproc endpoint" }.Start();
    }

    /// <summary>The socket's file system path.</summary>
    public string Path { get; }

    /// <summary>Raised for a connection that was accepted but did not prove the secret in time.</summary>
    public event Action? Refused;

    private void Run()
    {
        var readable = new List<Socket>(MaxPending + 1);
        while (!_disposed)
        {
            // This thread is every connection's way in: nothing a peer does may end it.
            try { Step(readable); }
            catch (Exception) when (!_disposed) { }
            catch (Exception) { break; }
        }
        foreach (var pending in _pending) pending.Socket.Dispose();
        _pending.Clear();
    }

    private void Step(List<Socket> readable)
    {
        readable.Clear();
        if (Environment.TickCount64 >= _acceptPausedUntil) readable.Add(_listener);
        foreach (var pending in _pending) readable.Add(pending.Socket);
        if (readable.Count == 0)
        {
            Thread.Sleep((int)Math.Max(1, _acceptPausedUntil - Environment.TickCount64));   // accepting is paused, nothing waits
            return;
        }
        Socket.Select(readable, null, null, MicrosecondsToNextDeadline());   // disposing the listener wakes it
        if (_disposed) return;
        foreach (var socket in readable)
        {
            if (socket == _listener) AcceptOne();
            // Accepting may have made room by refusing the oldest, which was readable too.
            else if (_pending.Find(p => p.Socket == socket) is { } pending) Advance(pending);
        }
        while (_pending.Count > 0 && _pending[0].DeadlineTicks <= Environment.TickCount64) Refuse(_pending[0]);
    }

    private int MicrosecondsToNextDeadline()
    {
        long next = Math.Min(_pending.Count > 0 ? _pending[0].DeadlineTicks : long.MaxValue,
            _acceptPausedUntil > Environment.TickCount64 ? _acceptPausedUntil : long.MaxValue);
        if (next == long.MaxValue) return -1;
        long milliseconds = Math.Max(0, next - Environment.TickCount64);
        return (int)Math.Min(milliseconds * 1000 + 1000, int.MaxValue);
    }

    private void AcceptOne()
    {
        Socket socket;
        try { socket = _listener.Accept(); }
        catch (SocketException e)
        {
            // Out of descriptors (or memory) the connection stays queued, and the listener stays readable:
            // waiting a little rather than retrying at once keeps the thread from spinning until some are freed.
            if (e.SocketErrorCode is not (SocketError.ConnectionAborted or SocketError.ConnectionReset or SocketError.Interrupted or SocketError.WouldBlock))
                _acceptPausedUntil = Environment.TickCount64 + 100;
            return;   // otherwise the peer gave up between the wake and the accept
        }
        if (_pending.Count == MaxPending) Refuse(_pending[0]);
        try { _pending.Add(new Handshake.Verifier(socket, _secret, Environment.TickCount64 + _deadlineMilliseconds)); }
        catch (SocketException)
        {
            socket.Dispose();
            Refused?.Invoke();
        }
    }

    private void Advance(Handshake.Verifier pending)
    {
        switch (pending.Advance())
        {
            case null: return;
            case false: Refuse(pending); return;
            case true:
                _pending.Remove(pending);
                // What follows the handshake (the first frame) is read off this thread.
                ThreadPool.UnsafeQueueUserWorkItem(socket => _accepted(Connection.Accept(socket)), pending.Socket, preferLocal: false);
                return;
        }
    }

    private void Refuse(Handshake.Verifier pending)
    {
        _pending.Remove(pending);
        pending.Socket.Dispose();
        Refused?.Invoke();
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _listener.Dispose();
        try { File.Delete(Path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
