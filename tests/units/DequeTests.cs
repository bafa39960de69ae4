using System.Linq;
using Multiproc.Queues;
using Xunit;

namespace Multiproc.Tests;

public class DequeTests
{
    [Fact]
    public void TakesFromTheFrontInOrderAcrossGrowth()
    {
        var deque = new Deque<int>();
        for (int i = 0; i < 100; i++) deque.AddLast(i);
        Assert.Equal(100, deque.Count);
        Assert.Equal(Enumerable.Range(0, 100), Enumerable.Range(0, 100).Select(_ => deque.RemoveFirst()));
        Assert.Equal(0, deque.Count);
    }

    [Fact]
    public void PutsItemsBackInFrontOfTheRestWhenWrapped()
    {
        var deque = new Deque<int>();
        for (int i = 0; i < 12; i++) deque.AddLast(i);
        for (int i = 0; i < 10; i++) deque.RemoveFirst();   // the head is now near the end of the ring
        for (int i = 12; i < 30; i++) deque.AddLast(i);      // wraps, then grows
        deque.AddFirst(9);
        deque.AddFirst(8);
        Assert.Equal(Enumerable.Range(8, 22), Enumerable.Range(0, 22).Select(_ => deque.RemoveFirst()));
    }

    [Fact]
    public void RefusesToTakeFromAnEmptyDeque()
    {
        Assert.Throws<System.InvalidOperationException>(() => new Deque<string>().RemoveFirst());
    }
}
