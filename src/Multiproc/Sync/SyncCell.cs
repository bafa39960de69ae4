using System;
using System.Threading;
using Multiproc.Platform;

namespace Multiproc.Sync;

/// <summary>The state of one lock, semaphore, event or barrier in shared memory, and the one way to change it.</summary>
/// <remarks>
/// Layout (int32 words): [0] guard, the id of the process changing the state, or 0; [1] sequence, bumped
/// whenever waiters may go on, the futex word they sleep on; [2] how many processes sleep; [3..] the
/// object's own state. Every change happens under the guard, held for a few instructions only.
/// Waiters spin briefly (the holder is often about to let go), then sleep in short slices; after each
/// slice they look for holders that died, so what a dead process held is released within a slice.
/// </remarks>
internal readonly unsafe struct SyncCell
{
    private const int Guard = 0, Sequence = 1, Sleepers = 2;
    private const int SleepSliceMs = 50;
    private static readonly int s_pid = Environment.ProcessId;

    private readonly int* _words;

    public SyncCell(byte* address) => _words = (int*)address;

    public static int ProcessId => s_pid;

    /// <summary>Word <paramref name="index"/> of the object's own state (index 0 is the cell's word 3).</summary>
    public ref int this[int index] => ref _words[3 + index];

    /// <summary>Runs <paramref name="change"/> under the guard.</summary>
    public T Change<T>(Func<SyncCell, T> change) => Change(static (cell, change) => change(cell), change);

    /// <summary>Runs <paramref name="change"/> under the guard, handing it <paramref name="state"/>: nothing is allocated.</summary>
    public T Change<TState, T>(Func<SyncCell, TState, T> change, TState state)
    {
        Enter();
        try { return change(this, state); }
        finally { Volatile.Write(ref _words[Guard], 0); }
    }

    /// <summary>Lets sleepers re-check the state: call after a change that may let them go on.</summary>
    public void WakeAll()
    {
        Interlocked.Increment(ref _words[Sequence]);
        if (Volatile.Read(ref _words[Sleepers]) > 0) Os.Waits.WakeUp(&_words[Sequence], int.MaxValue);
    }

    /// <summary>Waits until <paramref name="attempt"/> (run under the guard) succeeds, or the time is up.</summary>
    /// <param name="attempt">Returns true when it got what it waits for.</param>
    /// <param name="reclaim">Run under the guard after each sleep: frees what dead processes held.</param>
    /// <returns>False on timeout.</returns>
    public bool WaitFor(Func<SyncCell, bool> attempt, Action<SyncCell>? reclaim, TimeSpan timeout, CancellationToken cancel) =>
        WaitFor(static (cell, attempt) => attempt(cell), attempt, reclaim, timeout, cancel);

    /// <summary>As <see cref="WaitFor(Func{SyncCell, bool}, Action{SyncCell}?, TimeSpan, CancellationToken)"/>, with
    /// <paramref name="state"/> handed to each attempt: an attempt that carries data allocates nothing.</summary>
    public bool WaitFor<TState>(Func<SyncCell, TState, bool> attempt, TState state, Action<SyncCell>? reclaim, TimeSpan timeout, CancellationToken cancel)
    {
        long deadline = Timeouts.Deadline(timeout);
        var spin = new SpinWait();
        while (true)
        {
            int sequence = Volatile.Read(ref _words[Sequence]);
            if (Change(attempt, state)) return true;
            long remaining = Timeouts.MillisecondsLeft(deadline);
            if (remaining <= 0) return false;
            cancel.ThrowIfCancellationRequested();
            // Every change that may let a waiter go on bumps the sequence: watch it without taking the
            // guard (which would slow down the very process that is about to change the state).
            while (spin.Count < 100 && Volatile.Read(ref _words[Sequence]) == sequence) spin.SpinOnce(sleep1Threshold: -1);
            if (Volatile.Read(ref _words[Sequence]) != sequence) continue;
            Interlocked.Increment(ref _words[Sleepers]);
            Os.Waits.WaitWhile(&_words[Sequence], sequence, (int)Math.Min(remaining, SleepSliceMs));
            Interlocked.Decrement(ref _words[Sleepers]);
            if (reclaim is not null && Volatile.Read(ref _words[Sequence]) == sequence)
            {
                Change(cell => { reclaim(cell); return true; });
                WakeAll();
            }
        }
    }

    private void Enter()
    {
        var spin = new SpinWait();
        while (true)
        {
            int holder = Interlocked.CompareExchange(ref _words[Guard], s_pid, 0);
            if (holder == 0) return;
            spin.SpinOnce(sleep1Threshold: -1);
            // Held far longer than a change takes: its process may have died in the middle of one.
            if (spin.Count % 10_000 == 0 && !IsAlive(holder))
                Interlocked.CompareExchange(ref _words[Guard], 0, holder);
        }
    }

    /// <summary>Whether process <paramref name="pid"/> still runs (a zombie does not).</summary>
    public static bool IsAlive(int pid) => pid == s_pid || Os.Processes.IsAlive(pid);
}
