using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Threading;
using Multiproc.Ipc;
using Multiproc.Pipes;
using Multiproc.Sync;
using Xunit;

namespace Multiproc.Tests;

public sealed unsafe class MessageRingTests : IDisposable
{
    private readonly byte* _memory = (byte*)NativeMemory.AllocZeroed((nuint)(SharedMemory.CellSize + MessageRing.Capacity));
    private readonly MessageRing _ring;

    public MessageRingTests() => _ring = new MessageRing(_memory, _memory + SharedMemory.CellSize);

    public void Dispose() => NativeMemory.Free(_memory);

    private static readonly TimeSpan Long = TimeSpan.FromSeconds(30);

    private static Thread Run(ThreadStart body)
    {
        var thread = new Thread(body) { IsBackground = true };
        thread.Start();
        return thread;
    }

    [Fact]
    public void Carries_frames_whole_and_in_order_across_the_end_of_the_ring_while_both_sides_run()
    {
        // Sizes that do not divide the capacity, so frames wrap at every possible offset.
        var sizes = Enumerable.Range(0, 3000).Select(i => (i * 7919) % 2000).ToArray();
        var received = new List<byte[]>();
        var reader = Run(() =>
        {
            while (_ring.Receive(Long, CancellationToken.None) is { } frame) received.Add(frame.Body);
        });
        for (int i = 0; i < sizes.Length; i++)
        {
            Assert.True(_ring.Send(FrameType.PipeBytes, Enumerable.Repeat((byte)i, sizes[i]).ToArray(), spill: false));
        }
        _ring.CloseSending();
        Assert.True(reader.Join(Long));

        Assert.Equal(sizes.Length, received.Count);
        for (int i = 0; i < sizes.Length; i++)
        {
            Assert.Equal(sizes[i], received[i].Length);
            Assert.All(received[i], b => Assert.Equal((byte)i, b));
        }
    }

    [Fact]
    public void Holds_one_spill_record_at_a_time()
    {
        Assert.True(_ring.Send(FrameType.PipeSpill, new byte[] { 1 }, spill: true));
        bool sent = false;
        var second = Run(() => sent = _ring.Send(FrameType.PipeSpill, new byte[] { 2 }, spill: true));
        Assert.False(second.Join(300));   // waits while the first is in the ring
        Assert.True(_ring.Send(FrameType.PipeValue, new byte[] { 3 }, spill: false));   // other frames pass

        Assert.Equal(1, _ring.Receive(Long, CancellationToken.None)!.Value.Body[0]);
        Assert.True(second.Join(Long) && sent);
        Assert.Equal(3, _ring.Receive(Long, CancellationToken.None)!.Value.Body[0]);
        Assert.Equal(2, _ring.Receive(Long, CancellationToken.None)!.Value.Body[0]);
    }

    [Fact]
    public void Gives_what_was_sent_before_the_sender_closed_then_the_end()
    {
        Assert.True(_ring.Send(FrameType.PipeValue, new byte[] { 7 }, spill: false));
        _ring.CloseSending();

        Assert.False(_ring.Send(FrameType.PipeValue, new byte[] { 8 }, spill: false));
        Assert.Equal(7, _ring.Receive(Long, CancellationToken.None)!.Value.Body[0]);
        Assert.Null(_ring.Receive(Long, CancellationToken.None));
    }

    [Fact]
    public void Waits_no_longer_than_the_timeout_and_then_still_works()
    {
        Assert.Throws<TimeoutException>(() => _ring.Receive(TimeSpan.FromMilliseconds(50), CancellationToken.None));
        Assert.True(_ring.Send(FrameType.PipeValue, new byte[] { 9 }, spill: false));
        Assert.Equal(9, _ring.Receive(Long, CancellationToken.None)!.Value.Body[0]);
    }

    [Fact]
    public void Reports_bytes_that_are_not_a_frame_and_lets_go_of_the_guard()
    {
        Assert.True(_ring.Send(FrameType.PipeValue, new byte[10], spill: false));
        new Span<byte>(_memory + SharedMemory.CellSize, FrameCodec.HeaderSize).Fill(0xFF);   // a length no frame has

        Assert.Throws<InvalidDataException>(() => _ring.Receive(Long, CancellationToken.None));
        Assert.Throws<InvalidDataException>(() => _ring.Receive(Long, CancellationToken.None));   // not stuck
        _ring.CloseReceiving();
        Assert.False(_ring.Send(FrameType.PipeValue, new byte[1], spill: false));
    }
}
