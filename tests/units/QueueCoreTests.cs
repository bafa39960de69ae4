using System;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;
using Multiproc.Queues;
using Xunit;

namespace Multiproc.Tests;

/// <summary>A queue's states as its owner holds them: open, full, completed, drained; no process needed.</summary>
[Collection(SessionCollection.Name)]
public class QueueCoreTests
{
    private static byte[] Item(byte value) => new[] { value };

    [Fact]
    public void Takes_in_order_at_most_max_and_tries_without_waiting()
    {
        var queue = new QueueCore(0);
        Assert.Null(queue.TryTake(1));
        for (byte i = 1; i <= 5; i++) queue.Put(Item(i), Timeout.InfiniteTimeSpan, default);
        Assert.Equal(new byte[] { 1, 2, 3 }, Array.ConvertAll(queue.Take(3, TimeSpan.Zero, default), b => b[0]));
        Assert.Equal(4, queue.TryTake(1)![0][0]);
        Assert.Equal(1, queue.Count);
    }

    [Fact]
    public void A_full_bounded_queue_times_out_a_put_and_keeps_what_it_has()
    {
        var queue = new QueueCore(1);
        queue.Put(Item(1), TimeSpan.Zero, default);
        var watch = Stopwatch.StartNew();
        Assert.Throws<MpTimeoutException>(() => queue.Put(Item(2), TimeSpan.FromMilliseconds(100), default));
        Assert.InRange(watch.ElapsedMilliseconds, 90, 10_000);
        Assert.Equal(1, queue.Count);
        Assert.Equal(1, queue.Take(1, TimeSpan.Zero, default)[0][0]);
    }

    [Fact]
    public void A_waiting_take_gets_the_item_put_from_another_thread()
    {
        var queue = new QueueCore(0);
        var taking = Task.Run(() => queue.Take(1, TimeSpan.FromSeconds(30), default));
        Assert.False(taking.Wait(50));
        queue.Put(Item(7), Timeout.InfiniteTimeSpan, default);
        Assert.True(taking.Wait(TimeSpan.FromSeconds(30)));
        Assert.Equal(7, taking.Result[0][0]);
    }

    [Fact]
    public void A_waiting_put_goes_in_once_a_take_makes_room()
    {
        var queue = new QueueCore(1);
        queue.Put(Item(1), TimeSpan.Zero, default);
        var putting = Task.Run(() => queue.Put(Item(2), TimeSpan.FromSeconds(30), default));
        Assert.False(putting.Wait(50));
        Assert.Equal(1, queue.Take(1, TimeSpan.Zero, default)[0][0]);
        Assert.True(putting.Wait(TimeSpan.FromSeconds(30)));
        Assert.Equal(2, queue.Take(1, TimeSpan.Zero, default)[0][0]);
    }

    [Fact]
    public void Completed_refuses_puts_hands_out_what_is_left_then_refuses_takes()
    {
        var queue = new QueueCore(0);
        queue.Put(Item(1), TimeSpan.Zero, default);
        queue.Complete();
        Assert.True(queue.IsCompleted);
        Assert.Throws<MpQueueCompletedException>(() => queue.Put(Item(2), TimeSpan.Zero, default));
        Assert.Equal(1, queue.Take(1, TimeSpan.Zero, default)[0][0]);
        Assert.Throws<MpQueueCompletedException>(() => queue.Take(1, TimeSpan.FromSeconds(30), default));
        Assert.Null(queue.TryTake(1));
    }

    [Fact]
    public void Completing_ends_a_waiting_take_at_once()
    {
        var queue = new QueueCore(0);
        var taking = Task.Run(() => queue.Take(1, TimeSpan.FromSeconds(30), default));
        Assert.False(taking.Wait(50));
        var watch = Stopwatch.StartNew();
        queue.Complete();
        var failure = Assert.Throws<AggregateException>(() => taking.Wait(TimeSpan.FromSeconds(30)));
        Assert.IsType<MpQueueCompletedException>(failure.InnerException);
        Assert.InRange(watch.ElapsedMilliseconds, 0, 5_000);   // not at the take's own timeout
    }

    [Fact]
    public void Cancelling_ends_a_waiting_take_promptly_and_takes_nothing()
    {
        var queue = new QueueCore(0);
        using var cancel = new CancellationTokenSource();
        var taking = Task.Run(() => queue.Take(1, Timeout.InfiniteTimeSpan, cancel.Token));
        Assert.False(taking.Wait(50));
        var watch = Stopwatch.StartNew();
        cancel.Cancel();
        var failure = Assert.Throws<AggregateException>(() => taking.Wait(TimeSpan.FromSeconds(30)));
        Assert.IsAssignableFrom<OperationCanceledException>(failure.InnerException);
        Assert.InRange(watch.ElapsedMilliseconds, 0, 5_000);
        queue.Put(Item(3), TimeSpan.Zero, default);
        Assert.Equal(3, queue.Take(1, TimeSpan.Zero, default)[0][0]);
    }
}
