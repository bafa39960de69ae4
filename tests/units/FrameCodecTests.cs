using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Multiproc.Ipc;
using Xunit;

namespace Multiproc.Tests;

public class FrameCodecTests
{
    private static byte[] Encode(params (FrameType Type, byte[] Body)[] frames)
    {
        var stream = new MemoryStream();
        foreach (var (type, body) in frames)
        {
            var header = new byte[FrameCodec.HeaderSize];
            FrameCodec.WriteHeader(header, type, body.Length);
            stream.Write(header);
            stream.Write(body);
        }
        return stream.ToArray();
    }

    /// <summary>Hands out at most <c>chunk</c> bytes per Read, as a socket may.</summary>
    private sealed class TrickleStream(byte[] data, int chunk) : MemoryStream(data)
    {
        public override int Read(Span<byte> buffer) => base.Read(buffer[..Math.Min(chunk, buffer.Length)]);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(7)]
    [InlineData(4096)]
    public void Reads_frames_whole_however_the_bytes_are_split_or_coalesced(int chunk)
    {
        var bodies = new[] { Array.Empty<byte>(), new byte[] { 1, 2, 3 }, Enumerable.Range(0, 1000).Select(i => (byte)i).ToArray() };
        var data = Encode(bodies.Select((b, i) => ((FrameType)(i + 1), b)).ToArray());
        var stream = new TrickleStream(data, chunk);

        var read = new List<Frame>();
        while (FrameCodec.Read(stream, 1 << 20) is { } frame) read.Add(frame);

        Assert.Equal(bodies.Length, read.Count);
        for (int i = 0; i < bodies.Length; i++)
        {
            Assert.Equal((FrameType)(i + 1), read[i].Type);
            Assert.Equal(bodies[i], read[i].Body);
        }
    }

    [Fact]
    public void A_stream_that_ends_inside_a_frame_is_an_error()
    {
        var data = Encode((FrameType.Output, new byte[] { 1, 2, 3, 4 }));
        var stream = new MemoryStream(data[..^2]);
        Assert.Throws<InvalidDataException>(() => FrameCodec.Read(stream, 1 << 20));
    }

    [Fact]
    public void A_frame_over_the_limit_is_refused_before_it_is_read()
    {
        var data = Encode((FrameType.Output, new byte[100]));
        Assert.Throws<InvalidDataException>(() => FrameCodec.Read(new MemoryStream(data), 99));
    }

    private static byte[] Header(uint length, FrameType type = FrameType.Output)
    {
        var header = new byte[FrameCodec.HeaderSize];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(header, length);
        header[4] = (byte)type;
        return header;
    }

    [Fact]
    public void A_frame_length_of_zero_is_refused()
    {
        Assert.Throws<InvalidDataException>(() => FrameCodec.Read(new MemoryStream(Header(0)), 1 << 20));
    }

    [Fact]
    public void A_frame_length_of_two_to_the_31_minus_1_is_refused_under_the_default_limit()
    {
        var stream = new MemoryStream([.. Header(int.MaxValue), 1, 2, 3]);
        Assert.Throws<InvalidDataException>(() => FrameCodec.Read(stream, MpSettings.MaxMessageBytes));
    }

    [Fact]
    public void A_frame_that_announces_much_and_sends_little_costs_memory_for_what_arrived_only()
    {
        // 900 MB announced, 10 bytes sent, then the peer goes: refused without a 900 MB buffer.
        var stream = new MemoryStream([.. Header(900_000_000), .. new byte[10]]);
        long before = GC.GetAllocatedBytesForCurrentThread();
        Assert.Throws<InvalidDataException>(() => FrameCodec.Read(stream, MpSettings.MaxMessageBytes));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 4 << 20);
    }

    [Fact]
    public void A_large_frame_arriving_in_pieces_is_read_whole()
    {
        var body = Enumerable.Range(0, 3_000_000).Select(i => (byte)(i * 7)).ToArray();
        var frame = FrameCodec.Read(new TrickleStream(Encode((FrameType.PipeBytes, body)), 65536), 1 << 30);
        Assert.Equal(body, frame!.Value.Body);
    }
}
