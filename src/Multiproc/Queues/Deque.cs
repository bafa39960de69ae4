using System;

namespace Multiproc.Queues;

/// <summary>A ring buffer that adds at both ends and takes from the front: items handed back go first again.</summary>
internal sealed class Deque<T>
{
    private T[] _items = new T[16];
    private int _head;

    public int Count { get; private set; }

    public void AddLast(T item)
    {
        if (Count == _items.Length) Grow();
        _items[(_head + Count) % _items.Length] = item;
        Count++;
    }

    public void AddFirst(T item)
    {
        if (Count == _items.Length) Grow();
        _head = (_head - 1 + _items.Length) % _items.Length;
        _items[_head] = item;
        Count++;
    }

    public T RemoveFirst()
    {
        if (Count == 0) throw new InvalidOperationException("The deque is empty.");
        var item = _items[_head];
        _items[_head] = default!;
        _head = (_head + 1) % _items.Length;
        Count--;
        return item;
    }

    public T PeekFirst() => Count > 0 ? _items[_head] : throw new InvalidOperationException("The deque is empty.");

    private void Grow()
    {
        var larger = new T[_items.Length * 2];
        for (int i = 0; i < Count; i++) larger[i] = _items[(_head + i) % _items.Length];
        _items = larger;
        _head = 0;
    }
}
