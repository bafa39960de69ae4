using Multiproc.Rpc;
using System;
using System.Threading;
using Multiproc.Ipc;
using Multiproc.Sync;

namespace Multiproc;

/// <summary>A lock shared by processes, as Python's Lock and RLock; held by a process, released when it dies.</summary>
/// <remarks>State: [0] recursive (1 or 0), [1] the holder's process id or 0, [2] how many times it entered.</remarks>
public sealed class MpLock : MpLockable
{
    internal const string KindName = "lock";

    internal MpLock(bool recursive) : base(SharedMemory.Allocate())
    {
        Cell.Change(c => c[0] = recursive ? 1 : 0);
    }

    private MpLock((string Path, int Offset) cell) : base(cell.Path, cell.Offset) { }

    /// <summary>True when the process holding it may enter it again (New-MpLock -Recursive).</summary>
    public bool IsRecursive => Volatile.Read(ref Cell[0]) == 1;

    /// <summary>True while any process holds it.</summary>
    public bool IsLocked => Volatile.Read(ref Cell[1]) != 0;

    internal override bool Acquire(TimeSpan timeout, CancellationToken cancel) =>
        Cell.WaitFor(TryEnter, ReleaseIfHolderDied, timeout, cancel);

    public override void Release()
    {
        Rpc.Link.SyncAll();   // what this process put while it held the lock is there for the next holder
        var cell = Cell;
        int outcome = cell.Change(static c =>
        {
            if (c[1] != SyncCell.ProcessId) return -1;
            if (--c[2] > 0) return 0;
            c[1] = 0;
            return 1;
        });
        if (outcome < 0) throw NotHeld("lock");
        if (outcome > 0) cell.WakeAll();
    }

    public override string ToString() => IsRecursive ? "MpLock (recursive)" : "MpLock";

    private protected override string Kind => KindName;

    internal static MpLock ReadHandle(WireReader reader) => new(ReadCell(reader));

    private static bool TryEnter(SyncCell c)
    {
        if (c[1] == 0)
        {
            c[1] = SyncCell.ProcessId;
            c[2] = 1;
            return true;
        }
        if (c[1] == SyncCell.ProcessId && c[0] == 1)
        {
            c[2]++;
            return true;
        }
        return false;
    }

    private static void ReleaseIfHolderDied(SyncCell c)
    {
        if (c[1] != 0 && !SyncCell.IsAlive(c[1])) c[1] = c[2] = 0;
    }
}
