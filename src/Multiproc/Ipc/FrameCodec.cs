using System;
using System.Buffers.Binary;
using System.IO;

namespace Multiproc.Ipc;

/// <summary>The one frame reader and writer used by every connection.</summary>
/// <remarks>
/// Layout of a frame on the wire:
/// <code>
///   length : uint32 little-endian   number of bytes that follow (type + body), at least 1
///   type   : byte                   a <see cref="FrameType"/>
///   body   : length - 1 bytes       the payload, written by <see cref="WireWriter"/>
/// </code>
/// Frames follow each other with no padding; a reader may see them split or coalesced in any way.
/// </remarks>
internal static class FrameCodec
{
    public const int HeaderSize = 5;

    /// <summary>Writes the header for a body of <paramref name="bodyLength"/> bytes into <paramref name="header"/>.</summary>
    public static void WriteHeader(Span<byte> header, FrameType type, int bodyLength)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(header, (uint)bodyLength + 1);
        header[4] = (byte)type;
    }

    /// <summary>Reads one whole frame; null at a clean end of stream between frames.</summary>
    /// <exception cref="InvalidDataException">The stream ended inside a frame, or the length is out of range.</exception>
    public static Frame? Read(Stream stream, long maxBody)
    {
        Span<byte> header = stackalloc byte[HeaderSize];
        int got = ReadAtLeast(stream, header);
        if (got == 0) return null;
        if (got < HeaderSize) throw new InvalidDataException("The connection ended inside a frame header.");
        int bodyLength = ReadHeader(header, maxBody, out var type);
        return new Frame(type, ReadBody(stream, bodyLength));
    }

    /// <summary>The body length and type a header gives.</summary>
    /// <exception cref="InvalidDataException">The length is 0 or the body is over <paramref name="maxBody"/>.</exception>
    public static int ReadHeader(ReadOnlySpan<byte> header, long maxBody, out FrameType type)
    {
        uint length = BinaryPrimitives.ReadUInt32LittleEndian(header);
        if (length == 0 || length - 1 > maxBody)
            throw new InvalidDataException($"A frame of {length} bytes is outside the allowed range.");
        type = (FrameType)header[4];
        return (int)(length - 1);
    }

    // A peer may announce more than it sends: memory grows with the bytes that arrive, not with the claim.
    private static byte[] ReadBody(Stream stream, int length)
    {
        const int FirstSize = 1 << 20;
        var body = new byte[Math.Min(length, FirstSize)];
        int got = 0;
        while (true)
        {
            got += ReadAtLeast(stream, body.AsSpan(got));
            if (got < body.Length) throw new InvalidDataException("The connection ended inside a frame body.");
            if (got == length) return body;
            Array.Resize(ref body, (int)Math.Min(length, 2L * body.Length));
        }
    }

    private static int ReadAtLeast(Stream stream, Span<byte> buffer)
    {
        int total = 0;
        while (total < buffer.Length)
        {
            int n = stream.Read(buffer[total..]);
            if (n == 0) break;
            total += n;
        }
        return total;
    }
}
