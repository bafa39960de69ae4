using System;
using System.Collections.Generic;
using System.IO;
using Multiproc.Ipc;

namespace Multiproc.Rpc;

/// <summary>The owner's side of one <see cref="Link"/>: a client process, its calls and the objects it used.</summary>
internal sealed class Peer
{
    private readonly Connection _connection;
    private readonly HashSet<IServedObject> _used = new();   // guarded by itself

    public Peer(Connection connection) => _connection = connection;

    /// <summary>Starts a successful reply; write the result, then pass it to <see cref="Send"/>.</summary>
    /// <remarks>A fresh writer: replies are often built under an object's lock and sent after it.</remarks>
    public static WireWriter Reply(int requestId)
    {
        var w = new WireWriter(64);
        w.WriteInt32(requestId);
        w.WriteBool(true);
        return w;
    }

    /// <summary>A failed reply carrying <paramref name="error"/>, rebuilt as the same exception type by the caller.</summary>
    public static WireWriter Fail(int requestId, MpException error)
    {
        var w = new WireWriter(128);
        w.WriteInt32(requestId);
        w.WriteBool(false);
        w.WriteString(error.GetType().FullName!);
        w.WriteString(error.Message);
        return w;
    }

    public void Send(WireWriter reply) => Try(() => _connection.Send(FrameType.Reply, reply.WrittenSpan));

    public void Notify(byte op, long objectId)
    {
        var w = new WireWriter(16);
        w.WriteByte(op);
        w.WriteInt64(objectId);
        Try(() => _connection.Send(FrameType.Notice, w.WrittenSpan));
    }

    // A peer that is gone cannot be answered; its disconnect cleans up after it.
    private static void Try(Action send)
    {
        try { send(); } catch (MpObjectGoneException) { }
    }

    public void Close() => _connection.Close();

    /// <summary>Handles one frame from the client, on the connection's reader thread.</summary>
    public void OnFrame(Frame frame)
    {
        if (frame.Type is not (FrameType.Call or FrameType.Post))
        {
            Close();   // not a client's message: this client is broken, or not a client at all
            return;
        }
        var r = new WireReader(frame.Body);
        int requestId = frame.Type == FrameType.Call ? r.ReadInt32() : 0;
        byte op = r.ReadByte();
        long objectId = r.ReadInt64();
        if (objectId == Link.OwnerId)
        {
            if (frame.Type == FrameType.Call) Send(Reply(requestId));
            return;
        }
        if (!ObjectHost.TryGet(objectId, out var target))
        {
            if (frame.Type == FrameType.Call)
                Send(Fail(requestId, new MpObjectGoneException(
                    "The shared object no longer exists: it was removed or its manager stopped.", objectId)));
            return;
        }
        lock (_used) _used.Add(target);
        try
        {
            if (frame.Type == FrameType.Call) target.OnCall(this, requestId, op, r);
            else if (op == Link.CancelOp) target.OnCancel(this, r.ReadInt32());
            else target.OnPost(this, op, r);
        }
        catch (MpException e) when (frame.Type == FrameType.Call)
        {
            Send(Fail(requestId, e));
        }
        catch (InvalidDataException) { Close(); }   // a malformed message: this client is broken
    }

    /// <summary>The client's process is gone (or the owner ends): every object it used cleans up after it.</summary>
    public void OnClosed()
    {
        IServedObject[] used;
        lock (_used) { used = new IServedObject[_used.Count]; _used.CopyTo(used); _used.Clear(); }
        foreach (var target in used) target.OnDisconnect(this);
    }
}
