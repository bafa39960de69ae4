using System;
using System.Net.Sockets;
using System.Security.Cryptography;

namespace Multiproc.Ipc;

/// <summary>Proves that both sides of a new connection know the session secret, without sending it.</summary>
/// <remarks>
/// The server sends a fresh random nonce; the client answers HMAC-SHA256(secret, nonce); the server
/// answers one byte, <see cref="Accepted"/> or <see cref="Rejected"/>, and closes the socket after a
/// rejection. A replayed answer fails because the nonce is new each time. A socket that closes with no
/// answer means the endpoint's process went away, which the client reports as such, not as a refusal.
/// </remarks>
internal static class Handshake
{
    private const int NonceSize = 32;
    private const byte Accepted = 0x5A;
    private const byte Rejected = 0xA5;

    /// <summary>How long the endpoint gives a whole handshake; the client waits this long for each answer.</summary>
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    /// <summary>Client side; throws <see cref="MpConnectionRefusedException"/> when the server refuses.</summary>
    public static void Prove(Socket socket, byte[] secret)
    {
        socket.ReceiveTimeout = (int)Deadline.TotalMilliseconds;
        var nonce = new byte[NonceSize];
        var answer = new byte[1];
        try
        {
            // No nonce: the endpoint closed before it could judge anything, so its process is going away.
            if (!ReceiveExactly(socket, nonce)) throw new SocketException((int)SocketError.ConnectionReset);
            socket.Send(HMACSHA256.HashData(secret, nonce));
            if (!ReceiveExactly(socket, answer)) throw new SocketException((int)SocketError.ConnectionReset);
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.TimedOut or SocketError.WouldBlock)
        {
            // The process is there (it accepted) but does not answer: stopped, or too busy. Say so.
            throw new MpTimeoutException(
                $"Timed out: the Multiproc process that owns the object accepted the connection but did not answer within {Deadline.TotalSeconds} seconds. " +
                "It may be stopped (kill -STOP) or overloaded; try again once it runs.", null, e);
        }
        if (answer[0] != Accepted) throw Refused();
        socket.ReceiveTimeout = 0;
    }

    private static MpConnectionRefusedException Refused() => new(
        "The Multiproc endpoint refused the connection because the session secret was not proven. " +
        "Only processes started by the same session can connect.");

    /// <summary>False when the peer closed first; a receive timeout throws (SocketError.TimedOut).</summary>
    private static bool ReceiveExactly(Socket socket, Span<byte> buffer)
    {
        try
        {
            int total = 0;
            while (total < buffer.Length)
            {
                int n = socket.Receive(buffer[total..]);
                if (n == 0) return false;
                total += n;
            }
            return true;
        }
        catch (SocketException e) when (e.SocketErrorCode is not (SocketError.TimedOut or SocketError.WouldBlock)) { return false; }
    }

    /// <summary>The server side of one handshake, advanced as its bytes arrive: it never waits on the peer.</summary>
    /// <remarks>
    /// Only the nonce (32 bytes) and the verdict (1 byte) are sent, which always fit in a new socket's
    /// buffer, and only the bytes that have arrived are read, so no call here blocks.
    /// </remarks>
    public sealed class Verifier
    {
        private readonly byte[] _secret;
        private readonly byte[] _nonce = RandomNumberGenerator.GetBytes(NonceSize);
        private readonly byte[] _proof = new byte[HMACSHA256.HashSizeInBytes];
        private int _received;

        /// <summary>Sends the nonce; throws <see cref="SocketException"/> when the peer has gone.</summary>
        public Verifier(Socket socket, byte[] secret, long deadline)
        {
            Socket = socket;
            _secret = secret;
            DeadlineTicks = deadline;
            socket.Send(_nonce);
        }

        public Socket Socket { get; }

        /// <summary>The <see cref="Environment.TickCount64"/> by which the proof must be in.</summary>
        public long DeadlineTicks { get; }

        /// <summary>Reads what has arrived: null while more is due, true once proven, false when refused or gone.</summary>
        public bool? Advance()
        {
            try
            {
                int n = Socket.Receive(_proof.AsSpan(_received));
                if (n == 0) return false;
                _received += n;
                if (_received < _proof.Length) return null;
                bool proven = CryptographicOperations.FixedTimeEquals(_proof, HMACSHA256.HashData(_secret, _nonce));
                Socket.Send(new[] { proven ? Accepted : Rejected });
                return proven;
            }
            catch (SocketException) { return false; }
        }
    }
}
