using System;
using Multiproc.Ipc;
using Multiproc.Sync;

namespace Multiproc;

/// <summary>What locks, semaphores, events and barriers share: a cell of shared memory, reached by a handle.</summary>
public abstract unsafe class MpSyncObject : ISharedHandle
{
    private readonly string _path;
    private readonly int _offset;
    private byte* _address;

    private protected MpSyncObject(string path, int offset)
    {
        _path = path;
        _offset = offset;
    }

    /// <summary>Allocates a fresh cell in this process's shared memory.</summary>
    private protected MpSyncObject((string Path, int Offset) cell) : this(cell.Path, cell.Offset) { }

    /// <summary>The object's state; maps the owner's memory the first time (MpObjectGone when it has ended).</summary>
    private protected SyncCell Cell => new(_address != null ? _address : _address = SharedMemory.Cell(_path, _offset));

    private protected abstract string Kind { get; }

    string ISharedHandle.HandleKind => Kind;

    void ISharedHandle.WriteHandle(WireWriter writer)
    {
        writer.WriteString(_path);
        writer.WriteInt32(_offset);
    }

    internal static (string Path, int Offset) ReadCell(WireReader reader) => (reader.ReadString(), reader.ReadInt32());

    private protected static TimeSpan Seconds(double timeout) => Timeouts.FromSeconds(timeout);
}

/// <summary>A lock or a semaphore: what Enter-MpLock, Exit-MpLock and Use-MpLock take.</summary>
public abstract class MpLockable : MpSyncObject
{
    private protected MpLockable(string path, int offset) : base(path, offset) { }

    private protected MpLockable((string Path, int Offset) cell) : base(cell) { }

    /// <summary>Waits until this process holds it; returns true, as Python's acquire() does.</summary>
    public bool Acquire() => MethodInterrupt.WaitFor(cancel => Acquire(System.Threading.Timeout.InfiniteTimeSpan, cancel));

    /// <summary>Waits at most <paramref name="timeout"/> seconds; false when it was not acquired in time.</summary>
    public bool Acquire(double timeout) => MethodInterrupt.WaitFor(cancel => Acquire(Seconds(timeout), cancel));

    /// <summary>Lets go of what this process holds; MpLockNotHeld when it holds nothing.</summary>
    public abstract void Release();

    internal abstract bool Acquire(TimeSpan timeout, System.Threading.CancellationToken cancel);

    /// <summary>Acquires it for a cmdlet: MpTimeout when <paramref name="timeout"/> seconds pass first, saying what did not happen.</summary>
    /// <exception cref="OperationCanceledException">Cancelled; nothing was acquired.</exception>
    internal void Enter(double timeout, System.Threading.CancellationToken cancel, string consequence)
    {
        if (!Acquire(Timeouts.FromSeconds(timeout), cancel))
            throw new MpTimeoutException($"Timed out: the {this} was not free within {timeout} seconds{consequence}", this);
    }

    private protected MpLockNotHeldException NotHeld(string what) => new(
        $"This process does not hold the {what}, so it cannot release it. Release only what this process acquired.", this);
}
