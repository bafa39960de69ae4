using System;
using System.IO;
using System.Net.Sockets;
using System.Threading;

namespace Multiproc.Ipc;

/// <summary>The session's listening Unix socket, inside its private directory.</summary>
/// <remarks>
/// Every accepted socket must pass <see cref="Handshake.Verify"/>; one that does not is closed and
/// never reaches the accepted callback, so it changes nothing.
/// </remarks>
internal sealed class Endpoint : IDisposable
{
    private readonly Socket _listener;
    private readonly byte[] _secret;
    private readonly Action<Connection> _accepted;
    private volatile bool _disposed;

    public Endpoint(string path, byte[] secret, Action<Connection> accepted)
    {
        Path = path;
        _secret = secret;
        _accepted = accepted;
        _listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        _listener.Bind(new UnixDomainSocketEndPoint(path));
        _listener.Listen(128);
        new Thread(AcceptLoop) { IsBackground = true, Name = "Multiproc endpoint" }.Start();
    }

    /// <summary>The socket's file system path.</summary>
    public string Path { get; }

    /// <summary>Raised for a connection that was accepted but did not prove the secret.</summary>
    public event Action? Refused;

    private void AcceptLoop()
    {
        while (!_disposed)
        {
            Socket socket;
            try { socket = _listener.Accept(); }
            catch (Exception) when (_disposed) { return; }
            catch (SocketException) { continue; }
            // The handshake waits on the peer, so it must not hold up the next accept.
            ThreadPool.UnsafeQueueUserWorkItem(_ => Admit(socket), null);
        }
    }

    private void Admit(Socket socket)
    {
        bool proven;
        try { proven = Handshake.Verify(socket, _secret); }
        catch (Exception) { proven = false; }
        if (!proven)
        {
            socket.Dispose();
            Refused?.Invoke();
            return;
        }
        _accepted(Connection.Accept(socket));
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _listener.Dispose();
        try { File.Delete(Path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
