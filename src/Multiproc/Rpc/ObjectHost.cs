using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Threading;
using Multiproc.Ipc;

namespace Multiproc.Rpc;

/// <summary>The shared objects this process owns, by id, and the peers using them.</summary>
internal static class ObjectHost
{
    private static readonly ConcurrentDictionary<long, IServedObject> s_objects = new();
    private static readonly ConcurrentDictionary<Peer, byte> s_peers = new();
    private static long s_lastId;

    /// <summary>Adds an object; its id is unique in this process.</summary>
    public static long Add(IServedObject target)
    {
        long id = Interlocked.Increment(ref s_lastId);
        s_objects[id] = target;
        return id;
    }

    /// <summary>Forgets an object: calls for it fail with MpObjectGone from now on.</summary>
    public static void Remove(long id) => s_objects.TryRemove(id, out _);

    public static bool TryGet(long id, [MaybeNullWhen(false)] out IServedObject target) =>
        s_objects.TryGetValue(id, out target);

    /// <summary>Serves a client that connected with <see cref="HelloRole.Client"/>.</summary>
    public static void Serve(Connection connection)
    {
        var peer = new Peer(connection);
        s_peers[peer] = 0;
        connection.Closed += _ =>
        {
            s_peers.TryRemove(peer, out byte _);
            peer.OnClosed();
        };
        connection.Start(peer.OnFrame, "Multiproc peer");
    }

    /// <summary>The session ends: every object fails its waits and is gone, every client is let go.</summary>
    public static void EndAll()
    {
        foreach (var target in s_objects.Values) target.OnEnd();
        s_objects.Clear();
        foreach (var peer in s_peers.Keys) peer.Close();
    }
}
