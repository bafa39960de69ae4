using Multiproc.Rpc;
using System;
using System.IO;
using Multiproc.Ipc;

namespace Multiproc.Shared;

/// <summary>A shared dictionary, list or manager as its owner holds it: each operation runs whole under one lock.</summary>
/// <remarks>
/// An operation arrives as an op byte and its arguments on the wire, and answers on the wire, whether it
/// comes from another process (<see cref="OnCall"/>) or from the owner itself (<see cref="MpSharedObject"/>):
/// one path, so the owner's view and everyone else's cannot drift. No operation waits, so there is
/// nothing to cancel and nothing a departed client leaves behind.
/// </remarks>
internal abstract class SharedCore : IServedObject
{
    private readonly object _gate = new();
    private bool _ended;   // guarded by _gate

    /// <summary>Its id in <see cref="ObjectHost"/>, once registered.</summary>
    public long Id { get; private set; }

    /// <summary>Serves it to every process of the session; returns its id.</summary>
    public long Register() => Id = ObjectHost.Add(this);

    /// <summary>Runs one operation atomically, writing its answer to <paramref name="reply"/>.</summary>
    /// <exception cref="MpException">The operation failed; nothing changed.</exception>
    public void Execute(byte op, WireReader args, WireWriter reply)
    {
        lock (_gate)
        {
            if (_ended) throw Gone();
            try { Run(op, args, reply); }
            catch (Exception e) when (e is not MpException and not InvalidDataException)
            {
                // A value the owner could not use (a failed conversion, say): the caller hears why, the owner goes on.
                throw new MpInvalidArgumentException(e.Message, null, e);
            }
        }
    }

    /// <summary>The operation itself, under the lock; throws before changing anything when it cannot finish.</summary>
    protected abstract void Run(byte op, WireReader args, WireWriter reply);

    /// <summary>Ends the object: every later operation fails with MpObjectGone.</summary>
    public void End()
    {
        lock (_gate) _ended = true;
    }

    public static MpObjectGoneException Gone() => new(
        "The shared object is gone: its manager was stopped, or the session that held it has ended.");

    public void OnCall(Peer peer, int requestId, byte op, WireReader args)
    {
        var reply = Peer.Reply(requestId);
        Execute(op, args, reply);
        peer.Send(reply);
    }

    public void OnPost(Peer peer, byte op, WireReader args) => throw new InvalidDataException($"Unexpected one-way message {op}.");

    public void OnCancel(Peer peer, int requestId) { }   // no operation waits

    public void OnDisconnect(Peer peer) { }

    public void OnEnd() => End();
}
