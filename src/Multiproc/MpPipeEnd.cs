using Multiproc.Rpc;
using System;
using System.Threading;
using Multiproc.Ipc;
using Multiproc.Pipes;

namespace Multiproc;

/// <summary>One end of a pipe made by New-MpPipe; usable in any process it is handed to.</summary>
/// <remarks>
/// A pipe is a file of shared memory in the private directory of the session that made it, a ring of
/// messages for each direction (<see cref="EndChannel"/>): messages go straight from one end's process to
/// the other's. A handle names the file and the end; a process maps the file the first time it uses it.
/// </remarks>
public sealed class MpPipeEnd : ISharedHandle
{
    internal const string Kind = "pipe";

    private readonly string _path;
    private readonly int _end;
    private EndChannel? _channel;

    internal MpPipeEnd(string path, int end, bool canSend, bool canReceive, EndChannel? channel = null)
    {
        _path = path;
        _end = end;
        CanSend = canSend;
        CanReceive = canReceive;
        _channel = channel;
    }

    /// <summary>Makes a pipe; with <paramref name="duplex"/> false the first end only receives and the second only sends.</summary>
    internal static (MpPipeEnd First, MpPipeEnd Second) CreatePair(bool duplex)
    {
        var pipe = OpenPipes.Create();
        return (new MpPipeEnd(pipe.Path, 0, duplex, true, pipe.End(0)),
            new MpPipeEnd(pipe.Path, 1, true, duplex, pipe.End(1)));
    }

    public bool CanSend { get; }

    public bool CanReceive { get; }

    /// <summary>True once Close() was called on this end in any process, or the session that made the pipe ended.</summary>
    public bool IsClosed
    {
        get
        {
            try { return Channel.IsClosed; }
            catch (MpPipeClosedException) { return true; }   // released by its maker
        }
    }

    /// <summary>Sends one value; the other end receives it whole, in order.</summary>
    public void Send(object? item)
    {
        CheckDirection(CanSend, "sends");
        Rpc.Link.SyncAll();   // what this process put before is there for the receiver
        Channel.Send(item);
    }

    /// <summary>Sends a byte array as it is; the other end reads it with ReceiveBytes() or Receive().</summary>
    public void SendBytes(byte[] bytes)
    {
        CheckDirection(CanSend, "sends");
        Rpc.Link.SyncAll();
        Channel.SendBytes(bytes ?? throw new MpInvalidArgumentException("SendBytes needs a byte array, not null."));
    }

    /// <summary>Receives the next message, waiting for it; MpPipeClosed once the other end is closed and drained.</summary>
    public object? Receive() => MethodInterrupt.Wait(cancel => Receive(Timeout.InfiniteTimeSpan, cancel));

    /// <summary>Receives the next message, waiting at most <paramref name="timeout"/> seconds (MpTimeout after that).</summary>
    public object? Receive(double timeout) => MethodInterrupt.Wait(cancel => Receive(Timeouts.FromSeconds(timeout), cancel));

    /// <summary>Receives the next message, which must be a byte array.</summary>
    public byte[] ReceiveBytes() => ReceiveBytes(double.PositiveInfinity);

    /// <summary>Receives the next message, which must be a byte array, waiting at most <paramref name="timeout"/> seconds.</summary>
    public byte[] ReceiveBytes(double timeout)
    {
        CheckDirection(CanReceive, "receives");
        return (byte[])MethodInterrupt.Wait(cancel => Channel.Receive(Timeouts.FromSeconds(timeout), cancel, bytesOnly: true))!;
    }

    /// <summary>True when there is something to receive now.</summary>
    public bool Poll() => Poll(0);

    /// <summary>True when there is something to receive within <paramref name="timeout"/> seconds.</summary>
    public bool Poll(double timeout)
    {
        CheckDirection(CanReceive, "receives");
        return Channel.Poll(Timeouts.FromSeconds(timeout));
    }

    /// <summary>Closes this end for every process that has it; the other end can still receive what was sent.</summary>
    public void Close()
    {
        try { Channel.Close(); }
        catch (MpPipeClosedException) { }   // closed already, and released by its maker
    }

    public override string ToString() =>
        $"MpPipeEnd ({(CanSend && CanReceive ? "duplex" : CanSend ? "sends" : "receives")})";

    internal object? Receive(TimeSpan timeout, CancellationToken cancel)
    {
        CheckDirection(CanReceive, "receives");
        return Channel.Receive(timeout, cancel);
    }

    private EndChannel Channel => _channel ??= OpenPipes.Get(_path, _end);

    private void CheckDirection(bool allowed, string verb)
    {
        if (!allowed)
            throw new MpPipeDirectionException(
                $"This end of a one-way pipe only {(verb == "sends" ? "receives" : "sends")}: use the other end to {(verb == "sends" ? "send" : "receive")}.",
                this);
    }

    string ISharedHandle.HandleKind => Kind;

    void ISharedHandle.WriteHandle(WireWriter writer)
    {
        writer.WriteString(_path);
        writer.WriteInt32(_end);
        writer.WriteBool(CanSend);
        writer.WriteBool(CanReceive);
    }

    internal static MpPipeEnd ReadHandle(WireReader r) =>
        new(r.ReadString(), r.ReadInt32(), r.ReadBool(), r.ReadBool());
}
