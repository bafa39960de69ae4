using Multiproc.Rpc;
using System;
using System.Threading;
using Multiproc.Ipc;
using Multiproc.Sync;

namespace Multiproc;

/// <summary>A barrier shared by processes, as Python's Barrier: Wait returns once Parties processes wait.</summary>
/// <remarks>
/// State: [0] parties, [1] how many wait now, [2] how many times it released them all, [3] how many
/// times it was reset, [4] 1 when broken. A waiter knows it was released when [2] moves, and that the
/// wait is void when [3] moves or [4] is set.
/// </remarks>
public sealed class MpBarrier : MpSyncObject
{
    internal const string KindName = "barrier";
    private const int Parties_ = 0, Arrived = 1, Trips = 2, Resets = 3, Broken = 4;

    internal MpBarrier(int parties) : base(SharedMemory.Allocate())
    {
        Cell.Change(c => c[Parties_] = parties);
    }

    private MpBarrier((string Path, int Offset) cell) : base(cell.Path, cell.Offset) { }

    public int Parties => Volatile.Read(ref Cell[Parties_]);

    /// <summary>How many are waiting now.</summary>
    public int Waiting => IsBroken ? 0 : Volatile.Read(ref Cell[Arrived]);

    public bool IsBroken => Volatile.Read(ref Cell[Broken]) == 1;

    /// <summary>Waits for the others; returns this party's arrival index, 0 to Parties - 1.</summary>
    public int Wait() => MethodInterrupt.Wait(cancel => Wait(Timeout.InfiniteTimeSpan, cancel));

    /// <summary>As Wait(), but a wait longer than <paramref name="timeout"/> seconds breaks the barrier (MpTimeout).</summary>
    public int Wait(double timeout) => MethodInterrupt.Wait(cancel => Wait(Seconds(timeout), cancel));

    /// <summary>Makes it whole again; parties waiting now fail with MpBarrierBroken.</summary>
    public void Reset()
    {
        var cell = Cell;
        cell.Change(static c =>
        {
            c[Arrived] = c[Broken] = 0;
            return ++c[Resets];
        });
        cell.WakeAll();
    }

    internal int Wait(TimeSpan timeout, CancellationToken cancel)
    {
        Rpc.Link.SyncAll();   // what this process put before it arrived is there for every party after
        var cell = Cell;
        var (index, trips, resets) = cell.Change(static c =>
        {
            if (c[Broken] == 1) return (-1, 0, 0);
            int arrived = c[Arrived]++;
            if (c[Arrived] == c[Parties_])
            {
                c[Arrived] = 0;
                c[Trips]++;
                return (arrived, -1, 0);   // the last to come releases everyone
            }
            return (arrived, c[Trips], c[Resets]);
        });
        if (index < 0) throw BrokenError();
        if (trips < 0)
        {
            cell.WakeAll();
            return index;
        }
        bool moved;
        try { moved = cell.WaitFor(c => c[Trips] != trips || c[Resets] != resets || c[Broken] == 1, null, timeout, cancel); }
        catch (OperationCanceledException) { BreakUnlessReleased(cell, trips, resets); throw; }
        if (!moved)
        {
            if (BreakUnlessReleased(cell, trips, resets)) return index;
            throw new MpTimeoutException(
                $"Timed out: fewer than {Parties} parties reached the barrier within {timeout.TotalSeconds} seconds; it is broken now (Reset() mends it).", this);
        }
        bool released = cell.Change(c => c[Trips] != trips && c[Resets] == resets);
        return released ? index : throw BrokenError();
    }

    /// <summary>A waiter that gives up breaks the barrier for all, as in Python; true when it had been released meanwhile.</summary>
    private static bool BreakUnlessReleased(SyncCell cell, int trips, int resets)
    {
        bool released = cell.Change(c =>
        {
            if (c[Trips] != trips && c[Resets] == resets) return true;
            if (c[Resets] == resets) c[Broken] = 1;
            return false;
        });
        if (!released) cell.WakeAll();
        return released;
    }

    private MpBarrierBrokenException BrokenError() => new(
        "The barrier is broken: a party's wait timed out or it was reset while parties waited. Call Reset() to use it again.", this);

    public override string ToString() => $"MpBarrier ({Waiting} of {Parties} waiting{(IsBroken ? ", broken" : "")})";

    private protected override string Kind => KindName;

    internal static MpBarrier ReadHandle(WireReader reader) => new(ReadCell(reader));
}
