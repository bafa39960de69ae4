using Multiproc.Rpc;
using System;
using System.Threading;
using Multiproc.Ipc;
using Multiproc.Sync;

namespace Multiproc;

/// <summary>A counting semaphore shared by processes; each slot belongs to the process that took it.</summary>
/// <remarks>
/// State: [0] count, [1] slots free, then (process id, slots held) pairs, one per holding process, so a
/// release by a process that holds none fails, and what a dead process held comes back.
/// </remarks>
public sealed class MpSemaphore : MpLockable
{
    internal const string KindName = "semaphore";
    private const int FirstHolder = 2;
    private const int Holders = (Sync.SharedMemory.CellSize / 4 - 3 - FirstHolder) / 2;

    internal MpSemaphore(int count) : base(SharedMemory.Allocate())
    {
        Cell.Change(c => c[0] = c[1] = count);
    }

    private MpSemaphore((string Path, int Offset) cell) : base(cell.Path, cell.Offset) { }

    /// <summary>How many processes may hold it at once.</summary>
    public int Count => Volatile.Read(ref Cell[0]);

    /// <summary>How many slots are free now.</summary>
    public int Available => Volatile.Read(ref Cell[1]);

    internal override bool Acquire(TimeSpan timeout, CancellationToken cancel) =>
        Cell.WaitFor(TryTake, ReturnWhatTheDeadHeld, timeout, cancel);

    public override void Release()
    {
        Rpc.Link.SyncAll();   // what this process put before is there for whoever takes the slot
        var cell = Cell;
        bool released = cell.Change(static c =>
        {
            int at = Find(c, SyncCell.ProcessId);
            if (at < 0) return false;
            if (--c[at + 1] == 0) c[at] = 0;
            c[1]++;
            return true;
        });
        if (!released) throw NotHeld("semaphore");
        cell.WakeAll();
    }

    public override string ToString() => $"MpSemaphore ({Available} of {Count} free)";

    private protected override string Kind => KindName;

    internal static MpSemaphore ReadHandle(WireReader reader) => new(ReadCell(reader));

    private static bool TryTake(SyncCell c)
    {
        if (c[1] == 0) return false;
        int at = Find(c, SyncCell.ProcessId);
        if (at < 0) at = Find(c, 0);
        if (at < 0) return false;   // every holder entry is in use: wait for one to go
        c[at] = SyncCell.ProcessId;
        c[at + 1]++;
        c[1]--;
        return true;
    }

    private static void ReturnWhatTheDeadHeld(SyncCell c)
    {
        for (int i = 0, at = FirstHolder; i < Holders; i++, at += 2)
            if (c[at] != 0 && !SyncCell.IsAlive(c[at]))
            {
                c[1] += c[at + 1];
                c[at] = c[at + 1] = 0;
            }
    }

    private static int Find(SyncCell c, int pid)
    {
        for (int i = 0, at = FirstHolder; i < Holders; i++, at += 2)
            if (c[at] == pid && (pid != 0 || c[at + 1] == 0)) return at;
        return -1;
    }
}
