using System;
using System.Threading;
using Multiproc.Ipc;
using Multiproc.Sync;

namespace Multiproc.Pipes;

/// <summary>The two locks of one pipe end, shared by every process that holds it: one for sending, one for receiving.</summary>
/// <remarks>
/// Every process that holds an end has the same socket, so two senders could interleave the bytes of
/// their frames and two readers could each take part of one frame. Each write of whole frames and each
/// read of one whole frame happens holding the end's lock for that direction, so messages stay whole
/// whoever sends or receives them. The locks live in a cell of shared memory (<see cref="SyncCell"/>);
/// a holder that dies lets go of them. State: [0] the sending holder's process id or 0, [1] the
/// receiving holder's.
/// </remarks>
internal sealed unsafe class EndLocks : IWriteGuard
{
    private const int Sender = 0, Receiver = 1;

    private readonly SyncCell _cell;

    public EndLocks((string Path, int Offset) cell)
    {
        Path = cell.Path;
        Offset = cell.Offset;
        _cell = new SyncCell(SharedMemory.Cell(cell.Path, cell.Offset));
    }

    public string Path { get; }

    public int Offset { get; }

    void IWriteGuard.Enter() => _cell.WaitFor(s_takeSend, s_reclaimSend, Timeout.InfiniteTimeSpan, CancellationToken.None);

    void IWriteGuard.Exit() => Release(s_letSend);

    /// <summary>Takes the receiving lock; false when <paramref name="timeout"/> passed first.</summary>
    public bool EnterReceive(TimeSpan timeout, CancellationToken cancel) => _cell.WaitFor(s_takeReceive, s_reclaimReceive, timeout, cancel);

    public void ExitReceive() => Release(s_letReceive);

    private void Release(Func<SyncCell, bool> let)
    {
        _cell.Change(let);
        _cell.WakeAll();
    }

    // Made once: taking and letting go of a lock allocates nothing.
    private static readonly Func<SyncCell, bool> s_takeSend = c => Take(c, Sender), s_takeReceive = c => Take(c, Receiver);
    private static readonly Action<SyncCell> s_reclaimSend = c => Reclaim(c, Sender), s_reclaimReceive = c => Reclaim(c, Receiver);
    private static readonly Func<SyncCell, bool> s_letSend = c => Let(c, Sender), s_letReceive = c => Let(c, Receiver);

    private static bool Take(SyncCell c, int word)
    {
        if (c[word] != 0) return false;
        c[word] = SyncCell.ProcessId;
        return true;
    }

    private static void Reclaim(SyncCell c, int word)
    {
        if (c[word] != 0 && !SyncCell.IsAlive(c[word])) c[word] = 0;
    }

    private static bool Let(SyncCell c, int word)
    {
        c[word] = 0;
        return true;
    }
}
