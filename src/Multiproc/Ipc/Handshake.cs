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
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    /// <summary>Server side; false when the peer did not prove the secret (the caller closes it).</summary>
    public static bool Verify(Socket socket, byte[] secret)
    {
        socket.ReceiveTimeout = (int)Deadline.TotalMilliseconds;
        var nonce = RandomNumberGenerator.GetBytes(NonceSize);
        socket.Send(nonce);
        var proof = new byte[HMACSHA256.HashSizeInBytes];
        try { if (!ReceiveExactly(socket, proof)) return false; }
        catch (SocketException) { return false; }   // no proof in time
        if (!CryptographicOperations.FixedTimeEquals(proof, HMACSHA256.HashData(secret, nonce)))
        {
            socket.Send(new[] { Rejected });
            return false;
        }
        socket.Send(new[] { Accepted });
        socket.ReceiveTimeout = 0;
        return true;
    }

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
}
