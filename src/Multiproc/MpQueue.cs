using Multiproc.Rpc;
using System;
using System.Collections.Generic;
using System.Threading;
using Multiproc.Ipc;
using Multiproc.Queues;
using Multiproc.Shared;

namespace Multiproc;

/// <summary>A queue shared by processes: what New-MpQueue returns, and what a child gets when handed one.</summary>
/// <remarks>
/// The queue lives in the process that made it. There the methods work on it directly; elsewhere they
/// go over this process's <see cref="Link"/> to it. On an unbounded queue a put from another process is
/// sent without waiting for an answer, so a loop of puts costs no round trips; it returns once the item
/// has left the process, so the item survives the process's death. A bounded queue must answer each put,
/// because the put may have to wait for room.
/// </remarks>
public sealed class MpQueue : ISharedHandle
{
    internal const string Kind = "queue";

    private readonly string _owner;
    private readonly long _id;
    private readonly QueueCore? _local;

    internal MpQueue(int maxSize)
    {
        _local = new QueueCore(maxSize);
        _owner = Session.Current.EndpointPath;
        _id = _local.Id;
        MaxSize = maxSize;
    }

    private MpQueue(string owner, long id, int maxSize)
    {
        _owner = owner;
        _id = id;
        MaxSize = maxSize;
        if (Session.Current.IsOwnEndpoint(owner) && ObjectHost.TryGet(id, out var core)) _local = core as QueueCore;
    }

    /// <summary>The most items the queue holds before Put waits; 0 when unbounded.</summary>
    public int MaxSize { get; }

    /// <summary>About how many items are in the queue now, like Python's qsize().</summary>
    public int Count => _local?.Count ?? RemoteState().Count;

    public bool IsEmpty => Count == 0;

    /// <summary>True once Complete() was called in any process.</summary>
    public bool IsCompleted => _local?.IsCompleted ?? RemoteState().Completed;

    /// <summary>Adds an item, waiting for room in a bounded queue.</summary>
    public void Put(object? item) => MethodInterrupt.Wait(cancel => { Put(item, Timeout.InfiniteTimeSpan, cancel); return true; });

    /// <summary>Adds an item, waiting at most <paramref name="timeout"/> seconds for room (MpTimeout after that).</summary>
    public void Put(object? item, double timeout) => MethodInterrupt.Wait(cancel => { Put(item, Timeouts.FromSeconds(timeout), cancel); return true; });

    /// <summary>Takes the next item, waiting for one.</summary>
    public object? Get() => Get(Timeout.InfiniteTimeSpan);

    /// <summary>Takes the next item, waiting at most <paramref name="timeout"/> seconds (MpTimeout after that).</summary>
    public object? Get(double timeout) => Get(Timeouts.FromSeconds(timeout));

    /// <summary>Takes the next item if there is one now; false when the queue is empty.</summary>
    public bool TryGet(out object? item)
    {
        var taken = TryTake(1);
        item = taken is null ? null : Serializer.Read(taken[0]);
        return taken is not null;
    }

    /// <summary>Marks the queue complete: no more puts; consumers get what is left, then MpQueueCompleted.</summary>
    public void Complete()
    {
        if (_local is not null)
        {
            _local.Complete();
            return;
        }
        var (link, state) = Remote();
        state.Completed = true;   // before the call: no put of this process may follow it
        link.Call(link.Begin((byte)QueueOp.Complete, _id));
    }

    public override string ToString() => $"MpQueue (MaxSize {(MaxSize == 0 ? "unbounded" : MaxSize)})";

    private object? Get(TimeSpan timeout) => Serializer.Read(MethodInterrupt.Wait(cancel => Take(1, timeout, cancel))[0]);

    internal void Put(object? item, TimeSpan timeout, CancellationToken cancel)
    {
        if (_local is not null)
        {
            _local.Put(Serializer.Write(item), timeout, cancel);
            return;
        }
        var (link, state) = Remote();
        if (state.Completed) throw new MpQueueCompletedException(
            "The queue is complete: Complete() was called, so it takes no more items. Make a new queue for more work.");
        if (MaxSize == 0)
        {
            long deadline = Timeouts.Deadline(timeout);
            var message = Link.BeginPost((byte)QueueOp.PutStreamed, _id);
            message.WriteValue(item);
            try { link.Post(message, deadline); }
            catch (TimeoutException) { throw OwnerNotTaking(timeout); }
            return;
        }
        var request = link.Begin((byte)QueueOp.Put, _id);
        request.Writer.WriteDouble(Seconds(timeout));
        request.Writer.WriteValue(item);
        link.Call(request, cancel);
    }

    /// <summary>Takes 1 to <paramref name="max"/> items as they are on the wire, waiting for the first.</summary>
    /// <exception cref="OperationCanceledException">Cancelled; nothing was taken.</exception>
    internal byte[][] Take(int max, TimeSpan timeout, CancellationToken cancel)
    {
        if (_local is not null) return _local.Take(max, timeout, cancel);
        var (link, _) = Remote();
        var request = link.Begin((byte)QueueOp.Get, _id);
        request.Writer.WriteInt32(max);
        request.Writer.WriteDouble(Seconds(timeout));
        var items = Accept(link, link.Call(request, cancel), cancel);
        cancel.ThrowIfCancellationRequested();
        return items;
    }

    /// <summary>Takes 1 to <paramref name="max"/> items if there are any now, without waiting; null when there are none.</summary>
    internal byte[][]? TryTake(int max)
    {
        if (_local is not null) return _local.TryTake(max);
        var (link, _) = Remote();
        var request = link.Begin((byte)QueueOp.TryGet, _id);
        request.Writer.WriteInt32(max);
        var items = Accept(link, link.Call(request), CancellationToken.None);
        return items.Length == 0 ? null : items;
    }

    /// <summary>The items of a Get's answer, their loan confirmed (or given back, when cancelled).</summary>
    private byte[][] Accept(Link link, WireReader reply, CancellationToken cancel)
    {
        long loan = reply.ReadInt64();
        var items = new byte[reply.ReadInt32()][];
        for (int i = 0; i < items.Length; i++) items[i] = reply.ReadBytes();
        if (items.Length == 0) return items;   // nothing was lent
        // Confirmed before returning: an item is lost with this process only if it dies after the get returned.
        var answer = Link.BeginPost((byte)(cancel.IsCancellationRequested ? QueueOp.GiveBack : QueueOp.Confirm), _id);
        answer.WriteInt64(loan);
        link.Post(answer);
        return items;
    }

    private static MpTimeoutException OwnerNotTaking(TimeSpan timeout) => new(
        $"Timed out: the process that owns the queue took in nothing for {timeout.TotalSeconds} seconds, and this process holds as much as it may of what it put. The item was not put: check that the owner is running, or wait longer.");

    private static double Seconds(TimeSpan timeout) =>
        timeout == Timeout.InfiniteTimeSpan ? double.PositiveInfinity : timeout.TotalSeconds;

    private (int Count, bool Completed) RemoteState()
    {
        var (link, _) = Remote();
        var reply = link.Call(link.Begin((byte)QueueOp.State, _id));
        return (reply.ReadInt32(), reply.ReadBool());
    }

    /// <summary>The link to the owner, attached to this queue once per process.</summary>
    private (Link Link, ClientState State) Remote()
    {
        var link = Link.To(_owner);
        return (link, link.ClientState(_id, () => Attach(link)));
    }

    private ClientState Attach(Link link)
    {
        var state = new ClientState();
        link.OnNotice(_id, (notice, _) =>
        {
            if (notice != (byte)QueueNotice.Completed) return;
            state.Completed = true;
            try { link.Post(Link.BeginPost((byte)QueueOp.CompletedSeen, _id)); }
            catch (MpObjectGoneException) { }
        });
        var reply = link.Call(link.Begin((byte)QueueOp.Attach, _id));
        if (reply.ReadBool()) state.Completed = true;
        return state;
    }

    string ISharedHandle.HandleKind => Kind;

    void ISharedHandle.WriteHandle(WireWriter writer)
    {
        writer.WriteString(_owner);
        writer.WriteInt64(_id);
        writer.WriteInt32(MaxSize);
    }

    internal static MpQueue ReadHandle(WireReader reader) => new(reader.ReadString(), reader.ReadInt64(), reader.ReadInt32());

    /// <summary>What this process knows of a queue it reaches over a link.</summary>
    private sealed class ClientState
    {
        public volatile bool Completed;
    }
}
