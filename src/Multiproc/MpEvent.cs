using Multiproc.Rpc;
using System;
using System.Threading;
using Multiproc.Ipc;
using Multiproc.Sync;

namespace Multiproc;

/// <summary>An event shared by processes, as Python's Event: Set wakes every waiter, in every process.</summary>
/// <remarks>State: [0] 1 when set.</remarks>
public sealed class MpEvent : MpSyncObject
{
    internal const string KindName = "event";

    internal MpEvent() : base(SharedMemory.Allocate()) { }

    private MpEvent((string Path, int Offset) cell) : base(cell.Path, cell.Offset) { }

    public bool IsSet => Volatile.Read(ref Cell[0]) == 1;

    public void Set()
    {
        Rpc.Link.SyncAll();   // what this process put before is there for whoever the event wakes
        var cell = Cell;
        cell.Change(static c => c[0] = 1);
        cell.WakeAll();
    }

    public void Clear() => Cell.Change(static c => c[0] = 0);

    /// <summary>Waits until it is set; true (it returns only then).</summary>
    public bool Wait() => MethodInterrupt.WaitFor(cancel => Wait(Timeout.InfiniteTimeSpan, cancel));

    /// <summary>Waits at most <paramref name="timeout"/> seconds; true when it is set.</summary>
    public bool Wait(double timeout) => MethodInterrupt.WaitFor(cancel => Wait(Seconds(timeout), cancel));

    internal bool Wait(TimeSpan timeout, CancellationToken cancel) => Cell.WaitFor(static c => c[0] == 1, null, timeout, cancel);

    public override string ToString() => IsSet ? "MpEvent (set)" : "MpEvent (clear)";

    private protected override string Kind => KindName;

    internal static MpEvent ReadHandle(WireReader reader) => new(ReadCell(reader));
}
