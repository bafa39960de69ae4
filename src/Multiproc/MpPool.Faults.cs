using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using Multiproc.Ipc;
using Multiproc.Pool;

namespace Multiproc;

/// <summary>What the pool does when tasks hang or fail (SPEC §10): timeouts, retries, -MaxFailures, why a worker was lost.</summary>
public sealed partial class MpPool
{
    private const long WatchMilliseconds = 100;   // how often a worker running a task with a timeout is looked at

    /// <summary>A failed item waiting to run again: due at <see cref="Due"/> (Environment.TickCount64).</summary>
    private sealed record Retry(PoolItem Item, long Due, ItemResult LastResult);

    /// <summary>
    /// Decides what a finished attempt of an item is: its answer, or a failure to run again after a delay
    /// (-RetryCount, -RetryOn). A final failure may reach the call's -MaxFailures. Under _gate.
    /// </summary>
    /// <param name="worker">The worker that ran this attempt.</param>
    private void Settle(PoolItem item, ItemResult result, PoolMember worker, List<(PoolItem Item, ItemResult Result)> completions, ref AfterLock afterLock)
    {
        Debug.Assert(Monitor.IsEntered(_gate));
        var call = item.Call;
        result.ProcessId = worker.ProcessId;
        result.HostName = worker.Port.HostName;
        result.Attempt = item.Attempt;
        if (result.Failure is { } failure && !call.Cancelled && !call.FailedFast &&
            !IsEnding && item.Policy.Retries(failure, item.Attempt))
        {
            item.Attempt++;
            long delay = (long)item.Policy.DelayBefore(item.Attempt).TotalMilliseconds;
            _retries.Add(new Retry(item, Environment.TickCount64 + delay, result));
            call.Retrying++;
            WakeIn(delay);
            return;
        }
        if (result.Failure is { } final)
        {
            if (item.Attempt > 1) result.Failure = RunPolicy.AfterAttempts(final, item.Attempt);
            _failed++;
            call.FinalFailures++;
            if (!call.IsLane && !call.FailedFast && call.FinalFailures >= call.Policy.MaxFailures) FailFast(call, completions, ref afterLock);
        }
        else _completed++;
        completions.Add((item, result));
    }

    /// <summary>The call reached -MaxFailures: what waits never runs, running chunks start no more items. Under _gate.</summary>
    private void FailFast(PoolCall call, List<(PoolItem Item, ItemResult Result)> completions, ref AfterLock afterLock)
    {
        call.FailedFast = true;
        while (call.Pending.Count > 0) completions.Add((call.Pending.RemoveFirst(), ItemResult.NeverRun));
        foreach (var retry in TakeRetries(call))
        {
            retry.LastResult.Failure = RunPolicy.AfterAttempts(retry.LastResult.Failure!, retry.Item.Attempt - 1);
            _failed++;
            completions.Add((retry.Item, retry.LastResult));
        }
        foreach (var member in _members)
            if (member.InFlight.Exists(c => c.Call == call)) PostCallId(member, FrameType.PoolDrain, call, ref afterLock);
    }

    /// <summary>Takes the failed items waiting to run again: those of <paramref name="call"/>, or all. Under _gate.</summary>
    private List<Retry> TakeRetries(PoolCall? call = null)
    {
        Debug.Assert(Monitor.IsEntered(_gate));
        var taken = call is null ? new List<Retry>(_retries) : _retries.FindAll(r => r.Item.Call == call);
        if (call is null) _retries.Clear();
        else _retries.RemoveAll(r => r.Item.Call == call);
        foreach (var retry in taken) retry.Item.Call.Retrying--;
        return taken;
    }

    /// <summary>
    /// Runs on the pool's timer: failed items whose retry delay is over go back to the front of their queue;
    /// an item running past its -TaskTimeout is told to stop; a worker whose stopped item has not ended
    /// within -StopGrace is killed, and so ends through <see cref="OnWorkerGone"/> like any lost worker.
    /// Under _gate; arms the timer again while there is anything left to watch.
    /// </summary>
    private void Watch(ref AfterLock afterLock)
    {
        Debug.Assert(Monitor.IsEntered(_gate));
        long now = Environment.TickCount64;
        for (int i = 0; i < _retries.Count; i++)
        {
            var retry = _retries[i];
            if (retry.Due > now)
            {
                WakeIn(retry.Due - now);
                continue;
            }
            _retries.RemoveAt(i--);
            retry.Item.Call.Retrying--;
            retry.Item.Call.Pending.AddFirst(retry.Item);
        }
        foreach (var member in _members)
        {
            if (member.Stop is { } stop)
            {
                if (!stop.StillRuns(member)) member.Stop = null;   // it ended: its answer is on its way
                else if (stop.KillAt <= now)
                {
                    var port = member.Port;
                    afterLock.Add(port.Kill);
                    continue;
                }
                else
                {
                    WakeIn(Math.Min(WatchMilliseconds, stop.KillAt - now));
                    continue;
                }
            }
            if (!member.InFlight.Exists(c => c.HasTimeout)) continue;
            WakeIn(WatchMilliseconds);   // while a chunk with a timeout waits behind another, too
            var chunk = member.InFlight[0];
            if (!chunk.HasTimeout || member.Port.ReadRunning() is not { } run || run.ChunkId != chunk.Id || run.Index >= chunk.Items.Length) continue;
            var item = chunk.Items[run.Index];
            if (item.Policy.TaskTimeout is not { } limit || now - run.Since < (long)limit.TotalMilliseconds) continue;
            var message = item.Policy.TimedOut(item.InputIndex, item.Attempt, $"in pool worker {member.ProcessId}", (now - run.Since) / 1000.0);
            OrderStop(member, StopOrder.Item(chunk.Id, run.Index, Grace(item.Policy), message));
            var order = new WireWriter(message.Length * 3 + 32);
            order.WriteInt64(chunk.Id);
            order.WriteInt32(run.Index);
            order.WriteString(message);
            PostAfter(member.Port, FrameType.PoolStopItem, order, ref afterLock);
        }
    }

    /// <summary>
    /// Records what a worker was told to stop, and watches until it has stopped or is killed. Under _gate.
    /// A stop of its chunks takes the place of a stop of one item (killing no later than that one would).
    /// </summary>
    private void OrderStop(PoolMember member, StopOrder order)
    {
        if (member.Stop is { } earlier)
        {
            if (order.Calls is null) return;
            if (earlier.KillAt < order.KillAt) order = order with { KillAt = earlier.KillAt };
        }
        member.Stop = order;
        WakeIn(Math.Min(WatchMilliseconds, order.KillAt - Environment.TickCount64));
    }

    /// <summary>When a worker told to stop now is killed if it has not (Environment.TickCount64); long.MaxValue for never.</summary>
    private static long Grace(RunPolicy policy) => Timeouts.Deadline(policy.StopGrace);

    /// <summary>
    /// The error of the item a worker was running when it died: why it died, or the stop that killed it;
    /// null when that item never started (none starts after an item being stopped has ended).
    /// </summary>
    private static MpException? LostTask(PoolMember member, SentChunk chunk, PoolItem item, WorkerEnd end)
    {
        int at = Array.IndexOf(chunk.Items, item);
        switch (member.Stop)
        {
            case { Calls: null } stop when stop.ChunkId == chunk.Id && at == stop.Index:
                return new MpTaskTimeoutException(
                    $"{stop.Message} It did not end within the {item.Policy.StopGrace.TotalSeconds:0.###} s -StopGrace, so its worker was killed and replaced.", item.Input);
            case { Calls: null } stop when stop.ChunkId == chunk.Id && at > stop.Index:
                return null;
            case { Calls: { } calls } stop when calls.Contains(chunk.Call):
                return new MpPoolClosedException($"{stop.Message} It did not end within -StopGrace, so its worker was killed.", item.Input);
        }
        if (end.HostLost)
            return new MpHostLostException(
                $"The pool worker running this task (process {member.ProcessId} on {member.Port.HostName}) {end.How}. It was input {item.InputIndex} of the call (counting from 0), " +
                $"attempt {item.Attempt}. The pool goes on with its other hosts.", item.Input);
        string how;
        if (member.ExitCode is { } code) how = $"ended: the task ran `exit {code}`";
        else if (end.ClosedAlive) how = "stopped answering (its connection closed while it ran), so it was killed";
        else
        {
            how = end.How;
            end.Quoted();   // its last words are in this error, so they are not printed too
        }
        return new MpWorkerLostException(
            $"The pool worker running this task (process {member.ProcessId}) {how}. It was input {item.InputIndex} of the call (counting from 0), " +
            $"attempt {item.Attempt}. The pool replaced the worker.", item.Input);
    }
}
