using System;
using System.Collections.Generic;
using System.Threading;
using Multiproc.Ipc;

namespace Multiproc.Remote;

/// <summary>
/// Agent messages queued from any thread and taken as packets: everything queued since the last take
/// goes as one pipeline object, so a burst costs one remoting message, not one each.
/// </summary>
internal sealed class PacketQueue
{
    // A packet stops growing past this: one remoting message is never so long that the agent's beats stop
    // arriving for a while (RemoteHost counts silence), and a burst still goes in few messages.
    private const int PacketLimit = 1 << 20;

    private readonly object _gate = new();
    private readonly Queue<WireWriter> _full = new();   // guarded by _gate: packets at their limit, oldest first
    private WireWriter? _filling;                        // guarded by _gate: the newest packet, still growing
    private bool _completed;                             // guarded by _gate

    /// <summary>Queues a message; false once the queue is complete (the other side is gone).</summary>
    public bool Add(AgentMessageKind kind, int slot, ReadOnlySpan<byte> body)
    {
        lock (_gate)
        {
            if (_completed) return false;
            if (_filling is null)
            {
                if (_full.Count == 0) Monitor.Pulse(_gate);   // it was empty: wake the taker
                _filling = new WireWriter(4096);
            }
            else if (_filling.Length >= PacketLimit)
            {
                _full.Enqueue(_filling);
                _filling = new WireWriter(4096);
            }
            AgentMessage.Write(_filling, kind, slot, body);
            return true;
        }
    }

    /// <summary>Waits for messages; returns the oldest packet, or null once complete and empty.</summary>
    public byte[]? Take()
    {
        WireWriter taken;
        lock (_gate)
        {
            while (_full.Count == 0 && _filling is null)
            {
                if (_completed) return null;
                Monitor.Wait(_gate);
            }
            if (!_full.TryDequeue(out taken!))
            {
                taken = _filling!;
                _filling = null;
            }
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
