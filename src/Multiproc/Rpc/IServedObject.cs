using Multiproc.Ipc;

namespace Multiproc.Rpc;

/// <summary>A shared object as its owner serves it to other processes, one <see cref="Peer"/> per process.</summary>
/// <remarks>Handlers run on the peer's reader thread; one that must wait registers the call and answers later.</remarks>
internal interface IServedObject
{
    /// <summary>Handles a call; must answer it, now or later, with <see cref="Peer.Reply"/> or <see cref="Peer.Fail"/>.</summary>
    void OnCall(Peer peer, int requestId, byte op, WireReader args);

    /// <summary>Handles a one-way message.</summary>
    void OnPost(Peer peer, byte op, WireReader args);

    /// <summary>The caller gave up waiting for <paramref name="requestId"/>; answer it now if it still waits.</summary>
    void OnCancel(Peer peer, int requestId);

    /// <summary>The peer's process is gone: forget its waits and take back what it had not confirmed.</summary>
    void OnDisconnect(Peer peer);

    /// <summary>The owner is ending: fail every wait with MpObjectGone.</summary>
    void OnEnd();
}
