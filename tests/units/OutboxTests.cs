using System;
using System.IO;
using System.Linq;
using Multiproc.Ipc;
using Xunit;

namespace Multiproc.Tests;

public class OutboxTests
{
    private static (byte[] Header, byte[] Body) Frame(int bodyLength, byte fill)
    {
        var header = new byte[FrameCodec.HeaderSize];
        FrameCodec.WriteHeader(header, FrameType.Post, bodyLength);
        return (header, Enumerable.Repeat(fill, bodyLength).ToArray());
    }

    [Fact]
    public void Gives_back_the_frames_after_what_the_receiver_read_and_deletes_the_file()
    {
        var outbox = Outbox.TryCreate(Path.GetTempPath())!;
        long at = 0;
        for (byte i = 1; i <= 5; i++)
        {
            var (header, body) = Frame(10 * i, i);
            outbox.Copy(at, header, body);
            at += header.Length + body.Length;
        }
        long readUpTo = 5 + 10 + 5 + 20;   // the receiver got the first two
        outbox.Dispose();

        var frames = Outbox.Recover(outbox.Path, readUpTo, 1 << 20);

        Assert.Equal(new byte[] { 3, 4, 5 }, frames.Select(f => f.Body[0]).ToArray());
        Assert.Equal(new[] { 30, 40, 50 }, frames.Select(f => f.Body.Length).ToArray());
        Assert.False(File.Exists(outbox.Path));
    }

    [Fact]
    public void Keeps_frames_whole_across_the_end_of_the_ring()
    {
        var outbox = Outbox.TryCreate(Path.GetTempPath())!;
        long at = Outbox.Capacity - 7;   // the next frame wraps around
        outbox.Skip(at);
        var (header, body) = Frame(100, 9);
        Assert.True(outbox.HasRoom(at, at, header.Length + body.Length));
        outbox.Copy(at, header, body);
        outbox.Dispose();

        var frames = Outbox.Recover(outbox.Path, at, 1 << 20);

        Assert.Single(frames);
        Assert.Equal(body, frames[0].Body);
    }

    [Fact]
    public void Has_no_room_for_more_than_its_capacity_of_unwritten_bytes()
    {
        var outbox = Outbox.TryCreate(Path.GetTempPath())!;
        Assert.True(outbox.HasRoom(0, 0, Outbox.Capacity));
        Assert.False(outbox.HasRoom(10, 0, Outbox.Capacity));
        Assert.True(outbox.HasRoom(10, 10, Outbox.Capacity));
        outbox.Dispose();
        File.Delete(outbox.Path);
    }

    [Fact]
    public void Gives_nothing_when_the_receiver_read_everything()
    {
        var outbox = Outbox.TryCreate(Path.GetTempPath())!;
        var (header, body) = Frame(3, 1);
        outbox.Copy(0, header, body);
        outbox.Dispose();
        Assert.Empty(Outbox.Recover(outbox.Path, 8, 1 << 20));
    }
}
