using System;
using System.Threading;
using Multiproc.Ipc;

namespace Multiproc.Remote;

/// <summary>
/// Agent messages queued from any thread and taken as packets: everything queued since the last take
/// goes as one pipeline object, so a burst costs one remoting message, not one each.
/// </summary>
internal sealed class PacketQueue
{
    private readonly object _gate = new();
    private WireWriter _pending = new(4096);   // guarded by _gate
    private bool _completed;                    // guarded by _gate

    /// <summary>Queues a message; false once the queue is complete (the other side is gone).</summary>
    public bool Add(AgentMessageKind kind, int slot, ReadOnlySpan<byte> body)
    {
        lock (_gate)
        {
            if (_completed) return false;
            AgentMessage.Write(_pending, kind, slot, body);
            if (_pending.Length == 5 + 4 + body.Length) Monitor.Pulse(_gate);   // it was empty: wake the taker
            return true;
        }
    }

    /// <summary>Waits for messages; returns all queued as one packet, or null once complete and empty.</summary>
    public byte[]? Take()
    {
        WireWriter taken;
        lock (_gate)
        {
            while (_pending.Length == 0)
            {
                if (_completed) return null;
                Monitor.Wait(_gate);
            }
            taken = _pending;
            _pending = new WireWriter(Math.Max(4096, taken.Length));
        }
        return taken.ToArray();
    }

    /// <summary>No more messages: the taker gets what is queued, then null.</summary>
    public void Complete()
    {
        lock (_gate)
        {
            _completed = true;
            Monitor.PulseAll(_gate);
        }
    }
}
