using Multiproc.Rpc;
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;
using Multiproc.Ipc;
using Multiproc.Shared;

namespace Multiproc.Queues;

/// <summary>A queue as its owner holds it: serialized items, and the gets and puts waiting on them.</summary>
/// <remarks>
/// Threads of the owning process wait on the monitor; other processes wait as registered calls, answered
/// when an item (or room) comes. Items given to another process are lent until it confirms them: if it
/// dies before, they go back to the front of the queue, so no item is lost with a consumer.
/// Streamed puts may still be on their way when Complete() is called, so the queue counts as drained
/// only once every attached client has confirmed it saw the completion (its earlier puts are in by then).
/// Replies are collected under the lock and sent after it, so a slow client never holds up the queue.
/// </remarks>
internal sealed class QueueCore : IServedObject
{
    private readonly object _gate = new();
    private readonly Deque<byte[]> _items = new();
    private readonly LinkedList<Waiter> _getters = new();
    private readonly LinkedList<Waiter> _putters = new();
    private readonly HashSet<Peer> _attached = new();
    private readonly HashSet<Peer> _unconfirmed = new();
    private readonly Dictionary<(Peer Peer, long Loan), byte[][]> _lent = new();
    private const long LoanBytes = 1 << 20;   // a batch lent to another process stops growing past this
    private long _lastLoan;
    private int _localWaiters;
    private bool _completed;
    private bool _ended;

    public QueueCore(int maxSize)
    {
        MaxSize = maxSize;
        Id = ObjectHost.Add(this);
    }

    public long Id { get; }

    /// <summary>0 when unbounded.</summary>
    public int MaxSize { get; }

    public int Count { get { lock (_gate) return _items.Count; } }

    public bool IsCompleted { get { lock (_gate) return _completed; } }

    private bool Full => MaxSize > 0 && _items.Count >= MaxSize;

    private bool Drained => _completed && _items.Count == 0 && _unconfirmed.Count == 0 && _lent.Count == 0;

    // ---- the owning process --------------------------------------------------------------------

    public void Put(byte[] item, TimeSpan timeout, CancellationToken cancel)
    {
        var afterLock = new AfterLock();
        lock (_gate)
        {
            long deadline = Timeouts.Deadline(timeout);
            while (true)
            {
                if (_ended) throw Gone();
                if (_completed) throw CompletedForPut();
                if (!Full) break;
                WaitLocal(deadline, cancel, timeout, "the queue stayed full");
            }
            _items.AddLast(item);
            Pump(ref afterLock);
        }
        afterLock.Run();
    }

    /// <summary>Takes 1 to <paramref name="max"/> items if there are any now; null when there are none.</summary>
    public byte[][]? TryTake(int max)
    {
        var afterLock = new AfterLock();
        byte[][] taken;
        lock (_gate)
        {
            if (_ended) throw Gone();
            if (_items.Count == 0) return null;
            taken = TakeItems(max);
            Pump(ref afterLock);
        }
        afterLock.Run();
        return taken;
    }

    /// <summary>Takes 1 to <paramref name="max"/> items, waiting for the first.</summary>
    public byte[][] Take(int max, TimeSpan timeout, CancellationToken cancel)
    {
        var afterLock = new AfterLock();
        byte[][] taken;
        lock (_gate)
        {
            long deadline = Timeouts.Deadline(timeout);
            while (true)
            {
                if (_ended) throw Gone();
                if (_items.Count > 0) break;
                if (Drained) throw CompletedForGet();
                WaitLocal(deadline, cancel, timeout, "no item came");
            }
            taken = TakeItems(max);
            Pump(ref afterLock);
        }
        afterLock.Run();
        return taken;
    }

    public void Complete()
    {
        var afterLock = new AfterLock();
        lock (_gate)
        {
            if (_ended) throw Gone();
            CompleteUnderLock(null, ref afterLock);
            Pump(ref afterLock);   // a take waiting here on a queue now drained must hear of it
        }
        afterLock.Run();
    }

    private void WaitLocal(long deadline, CancellationToken cancel, TimeSpan timeout, string what)
    {
        Debug.Assert(Monitor.IsEntered(_gate));
        cancel.ThrowIfCancellationRequested();
        long remaining = Timeouts.MillisecondsLeft(deadline);
        if (remaining <= 0)
            throw new MpTimeoutException(
                $"Timed out: {what} within {timeout.TotalSeconds} seconds. Wait longer, or check the other side is running.");
        // Ctrl+C pulses the monitor, so the wait notices it without waking to look. Unregister, not Dispose:
        // Dispose would wait for a running callback, which waits for the lock held here.
        var wake = cancel.Register(s_pulse, _gate);
        _localWaiters++;
        try
        {
            if (!cancel.IsCancellationRequested) Monitor.Wait(_gate, (int)Math.Min(remaining, int.MaxValue));
        }
        finally
        {
            _localWaiters--;
            wake.Unregister();
        }
        cancel.ThrowIfCancellationRequested();
    }

    private static readonly Action<object?> s_pulse = gate => { lock (gate!) Monitor.PulseAll(gate); };

    // ---- other processes -----------------------------------------------------------------------

    public void OnCall(Peer peer, int requestId, byte op, WireReader args)
    {
        var afterLock = new AfterLock();
        lock (_gate)
        {
            if (_ended) throw Gone();
            switch ((QueueOp)op)
            {
                case QueueOp.Attach:
                    _attached.Add(peer);
                    var attached = Peer.Reply(requestId);
                    attached.WriteBool(_completed);
                    Answer(ref afterLock, peer, attached);
                    break;
                case QueueOp.Put:
                    var timeout = Timeouts.FromSeconds(args.ReadDouble());
                    var item = args.ReadRest();
                    if (_completed) throw CompletedForPut();
                    if (!Full)
                    {
                        _items.AddLast(item);
                        Answer(ref afterLock, peer, Peer.Reply(requestId));
                    }
                    else if (timeout == TimeSpan.Zero) throw new MpTimeoutException("Timed out: the queue is full.");
                    else Register(_putters, new Waiter(peer, requestId, 0, item), timeout);
                    break;
                case QueueOp.Get:
                    int max = args.ReadInt32();
                    var wait = Timeouts.FromSeconds(args.ReadDouble());
                    var getter = new Waiter(peer, requestId, max, null);
                    if (_items.Count > 0) Lend(getter, ref afterLock);
                    else if (Drained) throw CompletedForGet();
                    else if (wait == TimeSpan.Zero) throw new MpTimeoutException("Timed out: the queue is empty.");
                    else Register(_getters, getter, wait);
                    break;
                case QueueOp.TryGet:
                    var taker = new Waiter(peer, requestId, args.ReadInt32(), null);
                    if (_items.Count > 0) Lend(taker, ref afterLock);
                    else
                    {
                        var none = Peer.Reply(requestId);
                        none.WriteInt64(0);
                        none.WriteInt32(0);
                        Answer(ref afterLock, peer, none);
                    }
                    break;
                case QueueOp.Complete:
                    CompleteUnderLock(peer, ref afterLock);
                    Answer(ref afterLock, peer, Peer.Reply(requestId));
                    break;
                case QueueOp.State:
                    var state = Peer.Reply(requestId);
                    state.WriteInt32(_items.Count);
                    state.WriteBool(_completed);
                    Answer(ref afterLock, peer, state);
                    break;
                default:
                    throw new System.IO.InvalidDataException($"Unknown queue call {op}.");
            }
            Pump(ref afterLock);
        }
        afterLock.Run();
    }

    public void OnPost(Peer peer, byte op, WireReader args)
    {
        var afterLock = new AfterLock();
        lock (_gate)
        {
            if (_ended) return;
            switch ((QueueOp)op)
            {
                case QueueOp.PutStreamed:
                    // The client checked for completion before sending; one still in flight when
                    // Complete() came is in time, which is why completion waits for CompletedSeen.
                    _items.AddLast(args.ReadRest());
                    break;
                case QueueOp.Confirm:
                    _lent.Remove((peer, args.ReadInt64()));
                    break;
                case QueueOp.GiveBack:
                    if (_lent.Remove((peer, args.ReadInt64()), out var items)) PutBack(items);
                    break;
                case QueueOp.CompletedSeen:
                    _unconfirmed.Remove(peer);
                    break;
            }
            Pump(ref afterLock);
        }
        afterLock.Run();
    }

    public void OnCancel(Peer peer, int requestId)
    {
        var afterLock = new AfterLock();
        lock (_gate)
        {
            foreach (var list in new[] { _getters, _putters })
                for (var node = list.First; node is not null; node = node.Next)
                    if (node.Value.Peer == peer && node.Value.RequestId == requestId)
                    {
                        Unregister(node.Value);
                        Answer(ref afterLock, peer, Peer.Fail(requestId, new MpTimeoutException("Cancelled.")));
                        break;
                    }
        }
        afterLock.Run();
    }

    public void OnDisconnect(Peer peer)
    {
        var afterLock = new AfterLock();
        lock (_gate)
        {
            foreach (var list in new[] { _getters, _putters })
                for (var node = list.First; node is not null;)
                {
                    var next = node.Next;
                    if (node.Value.Peer == peer) Unregister(node.Value);
                    node = next;
                }
            var loans = new List<(Peer Peer, long Loan)>();
            foreach (var key in _lent.Keys) if (key.Peer == peer) loans.Add(key);
            // Newest first, each to the front: the oldest loan ends up first, as it was taken.
            loans.Sort((a, b) => b.Loan.CompareTo(a.Loan));
            foreach (var key in loans)
            {
                PutBack(_lent[key]);
                _lent.Remove(key);
            }
            _attached.Remove(peer);
            _unconfirmed.Remove(peer);
            Pump(ref afterLock);
        }
        afterLock.Run();
    }

    public void OnEnd()
    {
        var afterLock = new AfterLock();
        lock (_gate)
        {
            _ended = true;
            foreach (var list in new[] { _getters, _putters })
                while (list.First is { Value: var waiter })
                {
                    Unregister(waiter);
                    Answer(ref afterLock, waiter.Peer, Peer.Fail(waiter.RequestId, Gone()));
                }
            Monitor.PulseAll(_gate);
        }
        afterLock.Run();
    }

    // ---- under the lock ------------------------------------------------------------------------

    /// <summary>Matches waiting gets with items and waiting puts with room, then wakes local waiters.</summary>
    private void Pump(ref AfterLock afterLock)
    {
        Debug.Assert(Monitor.IsEntered(_gate));
        bool moved = true;
        while (moved)
        {
            moved = false;
            while (_getters.First is { Value: var getter } && _items.Count > 0)
            {
                Unregister(getter);
                Lend(getter, ref afterLock);
                moved = true;
            }
            while (_putters.First is { Value: var putter } && !Full)
            {
                Unregister(putter);
                _items.AddLast(putter.Item!);
                Answer(ref afterLock, putter.Peer, Peer.Reply(putter.RequestId));
                moved = true;
            }
        }
        if (Drained)
            while (_getters.First is { Value: var getter })
            {
                Unregister(getter);
                Answer(ref afterLock, getter.Peer, Peer.Fail(getter.RequestId, CompletedForGet()));
            }
        if (_localWaiters > 0) Monitor.PulseAll(_gate);
    }

    private void Lend(Waiter getter, ref AfterLock afterLock)
    {
        Debug.Assert(Monitor.IsEntered(_gate));
        var items = TakeItems(getter.Max, LoanBytes);
        long loan = ++_lastLoan;
        _lent[(getter.Peer, loan)] = items;
        var reply = Peer.Reply(getter.RequestId);
        reply.WriteInt64(loan);
        reply.WriteInt32(items.Length);
        foreach (var item in items) reply.WriteBytes(item);
        Answer(ref afterLock, getter.Peer, reply);
    }

    private byte[][] TakeItems(int max, long byteBudget = long.MaxValue)
    {
        Debug.Assert(Monitor.IsEntered(_gate));
        var taken = new List<byte[]>(Math.Min(Math.Max(max, 1), _items.Count));
        long bytes = 0;
        while (_items.Count > 0 && taken.Count < Math.Max(max, 1) && (taken.Count == 0 || bytes < byteBudget))
        {
            var item = _items.RemoveFirst();
            bytes += item.Length;
            taken.Add(item);
        }
        return taken.ToArray();
    }

    private void PutBack(byte[][] items)
    {
        Debug.Assert(Monitor.IsEntered(_gate));
        for (int i = items.Length - 1; i >= 0; i--) _items.AddFirst(items[i]);
    }

    private void CompleteUnderLock(Peer? caller, ref AfterLock afterLock)
    {
        Debug.Assert(Monitor.IsEntered(_gate));
        if (_completed) return;
        _completed = true;
        foreach (var peer in _attached)
        {
            if (peer == caller) continue;   // the caller stopped putting before it asked
            _unconfirmed.Add(peer);
            afterLock.Add(() => peer.Notify((byte)QueueNotice.Completed, Id));
        }
    }

    private void Register(LinkedList<Waiter> list, Waiter waiter, TimeSpan timeout)
    {
        Debug.Assert(Monitor.IsEntered(_gate));
        waiter.Node = list.AddLast(waiter);
        if (timeout != Timeout.InfiniteTimeSpan)
            waiter.Timer = new Timer(_ => Expire(waiter, timeout), null, timeout, Timeout.InfiniteTimeSpan);
    }

    private void Expire(Waiter waiter, TimeSpan timeout)
    {
        lock (_gate)
        {
            if (waiter.Node?.List is null) return;   // answered meanwhile
            Unregister(waiter);
        }
        string what = waiter.Item is null ? "no item came" : "the queue stayed full";
        waiter.Peer.Send(Peer.Fail(waiter.RequestId, new MpTimeoutException(
            $"Timed out: {what} within {timeout.TotalSeconds} seconds. Wait longer, or check the other side is running.")));
    }

    private static void Unregister(Waiter waiter)
    {
        waiter.Node?.List?.Remove(waiter.Node);
        waiter.Timer?.Dispose();
    }

    private static void Answer(ref AfterLock afterLock, Peer peer, WireWriter reply) =>
        afterLock.Add(() => peer.Send(reply));

    private static MpQueueCompletedException CompletedForPut() => new(
        "The queue is complete: Complete() was called, so it takes no more items. Make a new queue for more work.");

    private static MpQueueCompletedException CompletedForGet() => new(
        "The queue is complete and every item has been taken: there is nothing more to get.");

    private MpObjectGoneException Gone() => new(
        "The queue is gone: the session that made it has ended.", Id);

    /// <summary>A call from another process waiting for an item (Max) or for room (Item).</summary>
    private sealed class Waiter(Peer peer, int requestId, int max, byte[]? item)
    {
        public Peer Peer { get; } = peer;
        public int RequestId { get; } = requestId;
        public int Max { get; } = max;
        public byte[]? Item { get; } = item;
        public LinkedListNode<Waiter>? Node { get; set; }
        public Timer? Timer { get; set; }
    }
}
