using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.ComponentModel;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Runtime.CompilerServices;
using System.Threading;

namespace Multiproc.Pool;

/// <summary>
/// A runspace that submits pool tasks: what wakes its waits, and what must run on its thread (callbacks;
/// children's console output held at an idle prompt).
/// </summary>
/// <remarks>
/// What is posted runs on the runspace's pipeline thread, one at a time: drained by whichever Multiproc
/// cmdlet is waiting there, and otherwise by an engine event whose action PowerShell runs between
/// statements and at an idle prompt, as it runs Register-ObjectEvent's actions.
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class CallerContext
{
    private static readonly ConditionalWeakTable<Runspace, CallerContext> s_contexts = new();

    private readonly ConcurrentQueue<Action> _callbacks = new();   // a failing callback throws RuntimeException
    private readonly ManualResetEventSlim _wake = new();
    private readonly PSEventManager _events;
    private readonly string _sourceIdentifier = $"Multiproc.Callbacks.{Guid.NewGuid():N}";
    private static readonly long EventGapTicks = System.Diagnostics.Stopwatch.Frequency / 100;   // 10 ms
    private readonly Timer _eventTimer;
    private int _eventQueued;   // 1 while an engine event is on its way, or about to be
    private long _lastEvent;    // when the last one was raised (Stopwatch ticks)
    private bool _running;      // pipeline thread only: no callback runs inside another

    private CallerContext(PSEventManager events)
    {
        _events = events;
        _eventTimer = new Timer(_ => RaiseEvent());
        _events.SubscribeEvent(null, null, _sourceIdentifier, null,
            ScriptBlock.Create("[Multiproc.Pool.CallerContext]::RunPendingHere()"), supportEvent: true, forwardEvent: false);
    }

    /// <summary>The context of the runspace a cmdlet runs in.</summary>
    internal static CallerContext Of(PSCmdlet cmdlet) => Of(Runspace.DefaultRunspace);

    /// <summary>The context of a runspace; made on its own thread (it subscribes to an engine event).</summary>
    internal static CallerContext Of(Runspace runspace) =>
        s_contexts.GetValue(runspace, r => new CallerContext(r.Events));

    /// <summary>From any thread: the context of a runspace, if it has one.</summary>
    internal static bool TryOf(Runspace runspace, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out CallerContext? context) =>
        s_contexts.TryGetValue(runspace, out context);

    /// <summary>Wakes whoever waits in this runspace: a result came, or a callback is due.</summary>
    internal void WakeUp() => _wake.Set();

    /// <summary>
    /// Waits until <paramref name="done"/> holds, running due callbacks meanwhile (their errors go to
    /// <paramref name="onError"/>); false at the timeout or on cancellation. Once it holds, the callbacks
    /// queued before it held have run too. With a null <paramref name="onError"/> no callback runs: a
    /// command that is being stopped waits that way, as a callback could not run in its pipeline.
    /// </summary>
    internal bool WaitUntil(Func<bool> done, TimeSpan timeout, CancellationToken cancel, Action<ErrorRecord>? onError)
    {
        long deadline = Timeouts.Deadline(timeout);
        while (true)
        {
            _wake.Reset();   // before the check: a wake-up after it is not missed
            bool met = done();
            if (onError is not null) RunPending(onError);
            if (met) return true;
            long left = Timeouts.MillisecondsLeft(deadline);
            if (left <= 0) return false;
            // A result wakes the context of the runspace that submitted its task; a wait in another runspace
            // (on a task handed to it) is not woken by it, so it looks again every 250 ms.
            try { _wake.Wait(TimeSpan.FromMilliseconds(Math.Min(left, 250)), cancel); }
            catch (OperationCanceledException) { return false; }
        }
    }

    /// <summary>Queues a callback; it runs on this runspace's thread soon, with <paramref name="argument"/> as `$_`.</summary>
    internal void Enqueue(ScriptBlock callback, object? argument) =>
        Post(() => callback.InvokeWithContext(null, new List<PSVariable> { new("_", argument) }, argument));

    /// <summary>Queues an action; it runs on this runspace's thread soon. A RuntimeException it throws is reported as a callback's.</summary>
    internal void Post(Action action)
    {
        _callbacks.Enqueue(action);
        WakeUp();
        if (Interlocked.Exchange(ref _eventQueued, 1) != 0) return;
        // At most one engine event each 10 ms: running its action costs far more than a callback, so a
        // stream of results is drained in batches.
        long wait = Volatile.Read(ref _lastEvent) + EventGapTicks - System.Diagnostics.Stopwatch.GetTimestamp();
        if (wait <= 0) RaiseEvent();
        else _eventTimer.Change(1 + (int)(wait * 1000 / System.Diagnostics.Stopwatch.Frequency), Timeout.Infinite);
    }

    private void RaiseEvent()
    {
        Volatile.Write(ref _lastEvent, System.Diagnostics.Stopwatch.GetTimestamp());
        try { _events.GenerateEvent(_sourceIdentifier, null, Array.Empty<object>(), null); }
        catch (Exception) { /* the runspace has closed: nobody is left to call back */ }
    }

    internal bool HasPending => !_callbacks.IsEmpty;

    /// <summary>Runs the callbacks due, on the calling (pipeline) thread; what fails goes to <paramref name="onError"/>.</summary>
    internal void RunPending(Action<ErrorRecord>? onError)
    {
        if (_running) return;
        _running = true;
        Interlocked.Exchange(ref _eventQueued, 0);
        try
        {
            while (_callbacks.TryDequeue(out var next))
            {
                try { next(); }
                catch (RuntimeException e) when (onError is not null)
                {
                    onError(e.ErrorRecord);
                }
                catch (RuntimeException) { /* at an idle prompt there is nobody to tell */ }
            }
        }
        finally { _running = false; }
    }

    /// <summary>The engine event's action. Not for use from scripts.</summary>
    public static void RunPendingHere()
    {
        if (Runspace.DefaultRunspace is not { } runspace || !s_contexts.TryGetValue(runspace, out var context)) return;
        // A waiting cmdlet may have run the callbacks before this event came: the next one must still be raised.
        Interlocked.Exchange(ref context._eventQueued, 0);
        if (context.HasPending) IdlePrompt.Run(() => context.RunPending(null));
    }
}
