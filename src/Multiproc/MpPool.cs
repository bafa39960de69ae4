using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Multiproc.Ipc;
using Multiproc.Pool;
using Multiproc.Processes;

namespace Multiproc;

/// <summary>A pool of warm worker processes, as Python's multiprocessing.Pool: what New-MpPool returns.</summary>
/// <remarks>
/// Calls queue their items; each worker holds up to <see cref="InFlightPerWorker"/> chunks, the one it
/// runs and the next, so it never waits for a message between chunks. A chunk holds items of one call, as many as run about 10 ms (or -ChunkSize).
/// A worker that dies fails only the item it was running; the rest of its chunks go back to the front
/// of their queues, and a new worker takes its place.
/// </remarks>
public sealed partial class MpPool
{
    private const int InFlightPerWorker = 2;
    private const int StartAttempts = 4;
    private static readonly long GatherTicks = Stopwatch.Frequency / 500;   // 2 ms
    private static int s_lastNumber;
    private static long s_lastChunk;

    private readonly object _gate = new();
    private readonly JobSpec _setup;
    private readonly List<PoolMember> _members = new();   // guarded by _gate
    private readonly List<PoolCall> _calls = new();        // guarded by _gate; calls with items not done
    private readonly Dictionary<string, PoolCall> _lanes = new();   // guarded by _gate; -Async lanes by script and `$using:` values
    private readonly WorkerSite[] _sites;
    private long _completed, _failed;                       // guarded by _gate
    private readonly List<Retry> _retries = new();          // guarded by _gate; failed items waiting for their next attempt
    private readonly Timer _timer;                          // see WakeIn
    private long _timerDue = long.MaxValue;                 // guarded by _gate; when it fires next (Environment.TickCount64)

    private MpPool(string name, WorkerSite[] sites, int maxTasksPerWorker, JobSpec setup, RunPolicy policy)
    {
        Name = name;
        _sites = sites;
        Size = sites.Sum(s => s.Size);
        MaxTasksPerWorker = maxTasksPerWorker;
        Policy = policy;
        _setup = setup;
        _timer = new Timer(_ => OnTimer());
    }

    /// <summary>Its calls' default timeouts, retries and -MaxFailures.</summary>
    internal RunPolicy Policy { get; }

    /// <summary>Its workers' set-up, for a call to it run inline.</summary>
    internal Worker.InlineRunner.Setup InlineSetup => new(_setup.Modules, _setup.Functions, _setup.Script, _setup.UsingValues, Quiet: true);

    public string Name { get; }

    /// <summary>How many workers it keeps.</summary>
    public int Size { get; }

    /// <summary>Items a worker runs before a fresh one replaces it; 0 for no limit.</summary>
    public int MaxTasksPerWorker { get; }

    public MpPoolState State { get; private set; } = MpPoolState.Open;

    /// <summary>Workers running a chunk now.</summary>
    public int Busy { get { lock (_gate) return _members.Count(m => m.InFlight.Count > 0); } }

    /// <summary>Items waiting for a worker.</summary>
    public int Queued { get { lock (_gate) return _calls.Sum(c => c.Pending.Count); } }

    /// <summary>Tasks that succeeded.</summary>
    public long Completed { get { lock (_gate) return _completed; } }

    /// <summary>
    /// For a call's progress bars: its items waiting for a worker, and the item of it each worker runs,
    /// from the stamp the worker keeps in its ledger (nothing is asked of the workers).
    /// </summary>
    internal CallProgress ProgressOf(PoolCall call)
    {
        lock (_gate)
        {
            var workers = new List<WorkerActivity>();
            foreach (var member in _members)
            {
                if (member.InFlight.Count == 0 || member.InFlight[0] is not { } chunk || chunk.Call != call) continue;
                if (member.Port.ReadRunning() is { } run && run.ChunkId == chunk.Id && run.Index < chunk.Items.Length)
                    workers.Add(new WorkerActivity(member.ProcessId, chunk.Items[run.Index], run.Since));
            }
            return new CallProgress(call.Pending.Count + call.Retrying, workers);
        }
    }

    /// <summary>Tasks that failed.</summary>
    public long Failed { get { lock (_gate) return _failed; } }

    /// <summary>Some of its workers run on other hosts: what its tasks take must be good anywhere.</summary>
    internal bool HasHosts => _sites.Any(s => s is Remote.RemoteHost);

    /// <summary>Each machine it runs workers on, with its workers now.</summary>
    public MpPoolHost[] Hosts
    {
        get
        {
            lock (_gate)
                return _sites.Select(site => new MpPoolHost(
                    site.HostName,
                    site is LocalSite ? MpPoolHostState.Local : site.IsLost ? MpPoolHostState.Lost : MpPoolHostState.Connected,
                    _members.Where(m => m.Site == site).Select(m => m.ProcessId).ToArray(),
                    (site as Remote.RemoteHost)?.LostBecause)).ToArray();
        }
    }

    /// <summary>The process ids of its workers now.</summary>
    public int[] WorkerIds { get { lock (_gate) return _members.Select(m => m.ProcessId).ToArray(); } }

    public override string ToString() => $"MpPool {Name} ({State}, {Size} workers)";

    /// <summary>Starts the pool's workers side by side and returns once all are set up.</summary>
    internal static MpPool Start(string? name, WorkerSite[] sites, int maxTasksPerWorker, JobSpec setup, RunPolicy policy, CancellationToken cancel)
    {
        var pool = new MpPool(name ?? $"MpPool-{Interlocked.Increment(ref s_lastNumber)}", sites, maxTasksPerWorker, setup, policy);
        var starts = sites.SelectMany(site => Enumerable.Range(0, site.Size)
            .Select(_ => (Site: site, Port: Task.Run(() => site.StartWorker(setup, cancel))))).ToArray();
        try { Task.WaitAll(starts.Select(s => s.Port).ToArray(), cancel); }
        catch (Exception e)
        {
            foreach (var (_, started) in starts.Where(s => s.Port.IsCompletedSuccessfully)) started.Result.Release();
            foreach (var site in sites) site.Close();
            var failure = (e as AggregateException)?.InnerExceptions.FirstOrDefault(i => i is MpException) ?? e;
            if (failure is MpException or OperationCanceledException) throw failure;
            throw;
        }
        lock (pool._gate)
            foreach (var (site, port) in starts) pool.Join(new PoolMember(port.Result, site));
        PoolTable.Add(pool);
        return pool;
    }

    // ---- calls ---------------------------------------------------------------------------------

    /// <summary>The -Async lane for a scriptblock and its `$using:` values: its tasks share chunks and a definition.</summary>
    internal PoolCall LaneFor(string script, System.Collections.Hashtable usingValues, CallerContext caller)
    {
        var key = usingValues.Count == 0 ? script : script + "\0" + Convert.ToBase64String(Serializer.Write(usingValues));
        lock (_gate)
        {
            if (!_lanes.TryGetValue(key, out var lane))
                _lanes[key] = lane = new PoolCall(new TaskDefinition(script, usingValues, Array.Empty<object?>()), null, false, caller, Policy, laneKey: key);
            return lane;
        }
    }

    /// <summary>Queues one item of a call and sends what workers can take.</summary>
    /// <exception cref="MpPoolClosedException">The pool takes no more tasks.</exception>
    internal void Submit(PoolItem item)
    {
        var afterLock = new AfterLock();
        List<(PoolItem Item, ItemResult Result)>? abandoned = null;
        bool understaffed;
        lock (_gate)
        {
            if (State != MpPoolState.Open) throw Closed();
            understaffed = Understaffed();   // starts failed before: try again for this work
            if (!item.Call.FailedFast)
            {
                if (!_calls.Contains(item.Call)) _calls.Add(item.Call);
                item.Call.Pending.AddLast(item);
                if (AllHostsLost) AbandonWaiting(abandoned = new(), AllLost);
                Dispatch(ref afterLock);
            }
        }
        if (abandoned is not null) CompleteAll(abandoned, Array.Empty<PoolCall>(), ref afterLock);
        if (item.Call.FailedFast) item.Call.Complete(item, ItemResult.NeverRun);   // past -MaxFailures: it never runs
        else if (understaffed) Replace();
        afterLock.Run();
    }

    /// <summary>The call's input has ended: its last, smaller chunks may go.</summary>
    internal void EndInput(PoolCall call)
    {
        call.CompleteInput();
        var afterLock = new AfterLock();
        lock (_gate)
        {
            Dispatch(ref afterLock);
            Forget(call, ref afterLock);
        }
        afterLock.Run();
    }

    /// <summary>Drops what is left of a call: queued items go, running ones are stopped.</summary>
    internal void Cancel(PoolCall call)
    {
        call.Cancelled = true;
        var afterLock = new AfterLock();
        lock (_gate)
        {
            while (call.Pending.Count > 0) call.Pending.RemoveFirst();
            TakeRetries(call);
            _calls.Remove(call);
            foreach (var member in _members)
            {
                if (!member.InFlight.Exists(c => c.Call == call)) continue;
                PostCallId(member, FrameType.PoolCancel, call, ref afterLock);
                // A chunk it has not started is let go at once (the worker skips it): the call must not wait
                // for another call's chunk to end first.
                for (int i = member.InFlight.Count - 1; i >= 1; i--)
                    if (member.InFlight[i].Call == call) member.InFlight.RemoveAt(i);
                if (member.InFlight[0].Call == call)
                    OrderStop(member, StopOrder.Chunks(new[] { call }, Grace(call.Policy), "The task was stopped: its call was cancelled."));
            }
        }
        afterLock.Run();
    }

    /// <summary>True while a worker still runs a chunk of <paramref name="call"/> (after Cancel: until it has stopped).</summary>
    internal bool IsRunning(PoolCall call)
    {
        lock (_gate) return _members.Any(m => m.InFlight.Any(c => c.Call == call));
    }

    /// <summary>True when no call has items waiting or running.</summary>
    internal bool IsIdle
    {
        get { lock (_gate) return _calls.Count == 0; }
    }

    /// <summary>Stopped, closed, or being stopped: no worker starts, no task starts or runs again. Under _gate.</summary>
    private bool IsEnding => State is MpPoolState.Stopped or MpPoolState.Closed or MpPoolState.Stopping;

    /// <summary>
    /// Ctrl+C on Wait-MpPool, its first step: no task starts any more, and running ones are stopped as
    /// Ctrl+C would stop them (their finally blocks run). <see cref="Terminate"/> follows once they have
    /// ended or -StopGrace is over.
    /// </summary>
    internal void StopRunningTasks()
    {
        var afterLock = new AfterLock();
        lock (_gate)
        {
            if (IsEnding) return;
            State = MpPoolState.Stopping;
            foreach (var member in _members)
            {
                var calls = member.InFlight.Select(c => c.Call).Distinct().ToList();
                if (calls.Count == 0) continue;
                foreach (var call in calls) PostCallId(member, FrameType.PoolCancel, call, ref afterLock);
                OrderStop(member, StopOrder.Chunks(calls, Grace(Policy), "The task was stopped with its pool (Ctrl+C on Wait-MpPool)."));
            }
        }
        afterLock.Run();
    }

    /// <summary>A second Ctrl+C: what was told to stop and still runs is killed now, without waiting out -StopGrace.</summary>
    internal void KillStopped()
    {
        lock (_gate)
        {
            foreach (var member in _members)
                if (member.Stop is { } stop) member.Stop = stop with { KillAt = Environment.TickCount64 };
            WakeIn(0);
        }
    }

    /// <summary>Wait-MpPool: no new tasks from now on.</summary>
    internal void Close()
    {
        lock (_gate) if (State == MpPoolState.Open) State = MpPoolState.Closing;
    }

    /// <summary>After Close() and once idle: the workers go.</summary>
    internal void Finish()
    {
        lock (_gate)
        {
            if (State != MpPoolState.Closing) return;
            State = MpPoolState.Closed;
        }
        EndWorkers();
    }

    /// <summary>Stop-MpPool: the workers are killed; tasks not done fail with MpPoolClosed.</summary>
    internal void Terminate()
    {
        List<(PoolItem Item, ItemResult Result)> failed = new();
        lock (_gate)
        {
            if (State is MpPoolState.Stopped or MpPoolState.Closed) return;   // Stopping goes on: see StopRunningTasks
            State = MpPoolState.Stopped;
            foreach (var call in _calls)
            {
                while (call.Pending.Count > 0) failed.Add((call.Pending.RemoveFirst(), Failure(Closed())));
            }
            foreach (var retry in TakeRetries()) failed.Add((retry.Item, Failure(Closed())));
            foreach (var member in _members)
            {
                foreach (var chunk in member.InFlight)
                    foreach (var item in chunk.Items.Skip(chunk.Resulted)) failed.Add((item, Failure(Closed())));
                member.InFlight.Clear();   // answered now: a late result of theirs is not counted again
            }
            _calls.Clear();
        }
        EndWorkers();
        foreach (var (item, result) in failed) item.Call.Complete(item, result);
    }

    private void EndWorkers()
    {
        PoolMember[] members;
        lock (_gate)
        {
            members = _members.ToArray();
            foreach (var member in members) member.Retiring = true;
            _members.Clear();
        }
        foreach (var member in members) member.Port.Release();
        foreach (var site in _sites) site.Close();
        _timer.Dispose();
        PoolTable.Remove(this);
    }

    private static MpPoolClosedException Closed() => new(
        "The pool takes no more tasks: Wait-MpPool or Stop-MpPool was called on it. Make a new pool with New-MpPool.");

    // ---- workers -------------------------------------------------------------------------------

    private void Join(PoolMember member)
    {
        Debug.Assert(Monitor.IsEntered(_gate));
        _members.Add(member);
        member.Port.Start(frame => OnFrame(member, frame), () => OnWorkerGone(member));
    }

    /// <summary>A site has fewer workers, started or starting, than it should. Under _gate.</summary>
    private bool Understaffed() => UnderstaffedSite() is not null;

    private WorkerSite? UnderstaffedSite()
    {
        Debug.Assert(Monitor.IsEntered(_gate));
        foreach (var site in _sites)
            if (!site.IsLost && _members.Count(m => m.Site == site) + site.Starting < site.Size) return site;
        return null;
    }

    /// <summary>Starts a worker in the background to keep the pool at its size.</summary>
    /// <remarks>
    /// A start can fail (the new worker was killed while it started, say): it is tried again, a little
    /// later each time. When no worker is left and none could start after <see cref="StartAttempts"/>
    /// tries, the items waiting fail rather than wait for a worker that will not come.
    /// </remarks>
    private void Replace()
    {
        WorkerSite? site;
        lock (_gate)
        {
            if (IsEnding || UnderstaffedSite() is not { } understaffed) return;
            site = understaffed;
            site.Starting++;
        }
        Task.Run(async () =>
        {
            PoolMember? member = null;
            Exception? failure = null;
            for (int attempt = 0; attempt < StartAttempts && member is null; attempt++)
            {
                if (attempt > 0) await Task.Delay(100 << attempt);
                lock (_gate) if (IsEnding || site.IsLost) break;
                try { member = new PoolMember(site.StartWorker(_setup, CancellationToken.None), site); }
                catch (Exception e) { failure = e; }
            }
            var abandoned = new List<(PoolItem Item, ItemResult Result)>();
            var afterLock = new AfterLock();
            lock (_gate)
            {
                site.Starting--;
                if (member is not null && !IsEnding && !site.IsLost)
                {
                    Join(member);
                    Dispatch(ref afterLock);
                    member = null;
                }
                else if (member is null && _members.Count == 0 && _sites.All(s => s.Starting == 0))
                    AbandonWaiting(abandoned, item => new MpWorkerLostException(
                        $"No pool worker could be started to run this task ({failure?.Message}). Check the pool's initialization, or make a new pool.",
                        item.Input, failure));
            }
            member?.Port.Release();
            CompleteAll(abandoned, Array.Empty<PoolCall>(), ref afterLock);
            afterLock.Run();
        });
    }

    private void OnFrame(PoolMember member, Frame frame)
    {
        if (frame.Type == FrameType.PoolExit)
        {
            lock (_gate) member.ExitCode = new WireReader(frame.Body).ReadInt32();
            return;
        }
        if (frame.Type == FrameType.PoolLive)
        {
            var live = new WireReader(frame.Body);
            long liveChunk = live.ReadInt64();
            var (at, written) = ChunkResults.ReadItems(live, 1)[0];
            PoolItem? item;
            lock (_gate) item = member.InFlight.Find(c => c.Id == liveChunk) is { } running && (uint)at < (uint)running.Items.Length ? running.Items[at] : null;
            item?.Call.AddLive(item, written, member.ProcessId, member.Port.HostName);
            return;
        }
        if (frame.Type != FrameType.PoolResults) return;
        var (chunkId, runSeconds, results) = ChunkResults.Read(new WireReader(frame.Body));
        var completions = new List<(PoolItem Item, ItemResult Result)>(results.Count);
        var afterLock = new AfterLock();
        bool retire = false;
        PoolCall chunkCall;
        lock (_gate)
        {
            var chunk = member.InFlight.Find(c => c.Id == chunkId);
            if (chunk is null) return;
            chunkCall = chunk.Call;
            foreach (var (index, result) in results)
            {
                if ((uint)index >= (uint)chunk.Items.Length) continue;   // not an item of it: nothing to answer
                chunk.Resulted = Math.Max(chunk.Resulted, index + 1);
                Settle(chunk.Items[index], result, member, completions, ref afterLock);
            }
            if (runSeconds is { } seconds)
            {
                member.InFlight.Remove(chunk);
                if (member.Stop is { Calls: null } stop && stop.ChunkId == chunk.Id) member.Stop = null;
                // Finished short without `exit` (a top-level `continue` or `break` unwound the worker's loop, a
                // stopped item ended it, or its call was drained): the items it did not reach never ran.
                if (chunk.Resulted < chunk.Items.Length) PutBack(chunk.Call, chunk.Items.Skip(chunk.Resulted).ToList(), completions);
                chunk.Call.Observe(chunk.Resulted, seconds, member.Site);
                retire = MaxTasksPerWorker > 0 && member.ItemsSent >= MaxTasksPerWorker && member.InFlight.Count == 0;
                if (retire)
                {
                    member.Retiring = true;
                    _members.Remove(member);
                }
            }
            Dispatch(ref afterLock);
        }
        CompleteAll(completions, new[] { chunkCall }, ref afterLock);
        if (retire)
        {
            member.Port.Release();
            Replace();
        }
        afterLock.Run();
    }

    /// <summary>A worker's connection closed: unless it was let go, the item it ran fails and the rest go back.</summary>
    /// <remarks>
    /// Every way a worker ends takes this path: killed from outside, `exit` in a task, the OOM killer, and
    /// the kill that ends a task which did not stop within -StopGrace of its -TaskTimeout.
    /// </remarks>
    private void OnWorkerGone(PoolMember member)
    {
        var completions = new List<(PoolItem Item, ItemResult Result)>();
        var afterLock = new AfterLock();
        var calls = new List<PoolCall>();
        var end = member.Port.Ending();   // before the lock: it may wait for the process and its last words
        lock (_gate)
        {
            if (member.Retiring || !_members.Remove(member)) return;
            member.Retiring = true;
            TakeUnsent(member, completions, ref afterLock);
            bool running = true;
            foreach (var chunk in member.InFlight)
            {
                calls.Add(chunk.Call);
                var left = chunk.Items.Skip(chunk.Resulted).ToList();
                if (running && left.Count > 0 && !chunk.Call.Cancelled && LostTask(member, chunk, left[0], end) is { } error)
                {
                    Settle(left[0], Failure(error), member, completions, ref afterLock);
                    left.RemoveAt(0);
                }
                running = false;
                PutBack(chunk.Call, left, completions);
            }
            member.InFlight.Clear();
            if (AllHostsLost) AbandonWaiting(completions, AllLost);
            Dispatch(ref afterLock);
        }
        member.Port.Release();
        CompleteAll(completions, calls, ref afterLock);
        Replace();
        afterLock.Run();
    }

    /// <summary>
    /// No worker is left and none can start: what waits for one fails with <paramref name="error"/>, rather
    /// than wait for a worker that will not come. Under _gate.
    /// </summary>
    private void AbandonWaiting(List<(PoolItem Item, ItemResult Result)> abandoned, Func<PoolItem, MpException> error)
    {
        Debug.Assert(Monitor.IsEntered(_gate));
        var waiting = new List<PoolItem>();
        foreach (var call in _calls)
            while (call.Pending.Count > 0) waiting.Add(call.Pending.RemoveFirst());
        foreach (var retry in TakeRetries()) waiting.Add(retry.Item);
        foreach (var item in waiting) abandoned.Add((item, Failure(error(item))));
        _failed += waiting.Count;
    }

    /// <summary>Every host of the pool is lost and it has no local workers: nothing can run. Under _gate.</summary>
    private bool AllHostsLost => _members.Count == 0 && _sites.All(s => s.IsLost);

    private MpHostLostException AllLost(PoolItem item) => new(
        $"Every host of the pool is lost ({string.Join("; ", _sites.Select(s => $"{s.HostName}: {(s as Remote.RemoteHost)?.LostBecause}"))}), so no worker can run this task. " +
        $"It was input {item.InputIndex} of the call (counting from 0). Make a new pool once the hosts are back.", item.Input);

    /// <summary>What a dead worker finished but had not sent, from its ledger; each item once. Under _gate.</summary>
    private void TakeUnsent(PoolMember member, List<(PoolItem Item, ItemResult Result)> completions, ref AfterLock afterLock)
    {
        if (member.InFlight.Count == 0 || member.Port.ReadUnsent() is not { } unsent) return;
        var chunk = member.InFlight[0];
        if (unsent.ChunkId != chunk.Id) return;
        List<(int Index, ItemResult Result)> items;
        try { items = ChunkResults.ReadItems(new WireReader(unsent.Items), unsent.Count); }
        catch (Exception) { return; }   // not readable (a result too odd to cross): those items count as not run
        foreach (var (index, result) in items)
        {
            if (index < chunk.Resulted || index >= chunk.Items.Length) continue;   // it came over the connection already
            chunk.Resulted = index + 1;
            Settle(chunk.Items[index], result, member, completions, ref afterLock);
        }
    }

    /// <summary>Items a worker was sent and never started go back to the front of their call's queue, or, once the call has stopped early, never run. Under _gate.</summary>
    private static void PutBack(PoolCall call, List<PoolItem> items, List<(PoolItem Item, ItemResult Result)> completions)
    {
        if (call.Cancelled) return;
        for (int i = items.Count - 1; i >= 0; i--)
        {
            var item = items[i];
            if (item.Streamed)   // part of its output is out: run again, it would come twice
                completions.Add((item, Failure(new MpWorkerLostException(
                    $"The pool worker running this task ended before it did, after part of its output had been emitted (-Unordered streams it), so it is not run again. " +
                    $"It was input {item.InputIndex} of the call (counting from 0).", item.Input))));
            else if (call.FailedFast) completions.Add((item, ItemResult.NeverRun));
            else call.Pending.AddFirst(item);
        }
    }

    /// <summary>Hands results to their calls (waking their callers), then forgets those calls, and <paramref name="touched"/>, if they are done.</summary>
    private void CompleteAll(List<(PoolItem Item, ItemResult Result)> completions, IReadOnlyList<PoolCall> touched, ref AfterLock afterLock)
    {
        var calls = new List<PoolCall>(touched.Count + 1);   // one or two: a list beats a set here, per result
        foreach (var call in touched) if (!calls.Contains(call)) calls.Add(call);
        foreach (var (item, _) in completions) if (!calls.Contains(item.Call)) calls.Add(item.Call);
        foreach (var call in calls)
        {
            if (calls.Count == 1) call.Complete(completions);   // the usual case: one chunk's results
            else call.Complete(completions.Where(c => c.Item.Call == call).ToList());
            ForgetIfDone(call, ref afterLock);
        }
    }

    // ---- dispatch (under _gate) ------------------------------------------------------------------

    /// <summary>Gives idle workers a chunk each first, then tops busy ones up to <see cref="InFlightPerWorker"/>.</summary>
    private void Dispatch(ref AfterLock afterLock)
    {
        Debug.Assert(Monitor.IsEntered(_gate));
        if (IsEnding) return;
        for (int held = 0; held < InFlightPerWorker; held++)
            foreach (var member in _members)
                if (member.InFlight.Count == held && NextChunk(member) is { } chunk) Send(member, chunk, ref afterLock);
    }

    private static void Send(PoolMember member, SentChunk chunk, ref AfterLock afterLock)
    {
        var message = new WireWriter(chunk.Items.Sum(i => i.Bytes.Length) + 64);
        new TaskChunk
        {
            ChunkId = chunk.Id,
            CallId = chunk.Call.Id,
            Definition = member.KnownCalls.Add(chunk.Call.Id) ? chunk.Call.Definition : null,
            Items = chunk.Items.Select(i => i.Bytes).ToArray(),
            ItemArguments = chunk.Call.IsLane ? chunk.Items.Select(i => i.Arguments!).ToArray() : null,
            HostIndexes = Array.Exists(chunk.Items, i => i.HostPrefix) ? Array.ConvertAll(chunk.Items, i => i.HostPrefix ? i.InputIndex : -1) : null,
            Streams = chunk.Call.Streams,
        }.Write(message);
        PostAfter(member.Port, FrameType.PoolChunk, message, ref afterLock);
    }

    private SentChunk? NextChunk(PoolMember member)
    {
        Debug.Assert(Monitor.IsEntered(_gate));
        int budget = MaxTasksPerWorker > 0 ? MaxTasksPerWorker - member.ItemsSent : int.MaxValue;
        if (budget <= 0) return null;
        foreach (var call in _calls)
        {
            if (call.Pending.Count == 0 || call.Cancelled || call.FailedFast) continue;
            // Only quick tasks queue behind others: a slow one waits for a free worker instead.
            if (member.InFlight.Count > 0 && !call.IsQuick) continue;
            int size = Math.Min(call.ChunkSizeAt(member.Site), budget);
            // While more input may come, a chunk waits to fill: a busy worker waits for a full one, an idle one
            // for what came within a couple of milliseconds, so a fast worker is not fed one item at a time.
            if (call.Pending.Count < size && !call.InputComplete)
            {
                long waited = Stopwatch.GetTimestamp() - call.Pending.PeekFirst().Queued;
                if (member.InFlight.Count > 0) continue;
                if (waited < GatherTicks)
                {
                    WakeIn(1 + (GatherTicks - waited) * 1000 / Stopwatch.Frequency);
                    continue;
                }
            }
            var items = new PoolItem[Math.Min(size, call.Pending.Count)];
            for (int i = 0; i < items.Length; i++) items[i] = call.Pending.RemoveFirst();
            member.ItemsSent += items.Length;
            var chunk = new SentChunk(Interlocked.Increment(ref s_lastChunk), call, items);
            member.InFlight.Add(chunk);
            if (chunk.HasTimeout) WakeIn(WatchMilliseconds);
            return chunk;
        }
        return null;
    }

    /// <summary>Has the pool's timer fire within <paramref name="milliseconds"/>: to send a chunk that waited to fill, or to <see cref="Watch"/>. Under _gate.</summary>
    private void WakeIn(long milliseconds)
    {
        Debug.Assert(Monitor.IsEntered(_gate));
        long due = Environment.TickCount64 + milliseconds;
        if (due >= _timerDue || State is MpPoolState.Stopped or MpPoolState.Closed) return;
        _timerDue = due;
        _timer.Change(Math.Max(0, milliseconds), Timeout.Infinite);
    }

    private void OnTimer()
    {
        var afterLock = new AfterLock();
        bool understaffed;
        lock (_gate)
        {
            _timerDue = long.MaxValue;
            Watch(ref afterLock);
            Dispatch(ref afterLock);
            // A retry that came due may find no worker: a start that failed before is tried again for it.
            understaffed = !IsEnding && Understaffed() && _calls.Exists(c => c.Pending.Count > 0);
        }
        if (understaffed) Replace();
        afterLock.Run();
    }

    /// <summary>After a call's results are recorded: forgets it if that was all, and wakes its caller.</summary>
    /// <remarks>Not before: the pool counts as idle once it has no calls, and a wait that sees it idle
    /// drains the callbacks queued by then (Wait-MpPool missed the last chunk's callbacks otherwise).</remarks>
    private void ForgetIfDone(PoolCall call, ref AfterLock afterLock)
    {
        lock (_gate) Forget(call, ref afterLock);
        call.Caller.WakeUp();
    }

    /// <summary>Forgets a call once it has nothing left here, and tells the workers that knew it; under _gate.</summary>
    private void Forget(PoolCall call, ref AfterLock afterLock)
    {
        Debug.Assert(Monitor.IsEntered(_gate));
        if (call.Pending.Count > 0 || call.Retrying > 0 || !(call.InputComplete || call.IsLane || call.Cancelled)) return;
        if (_members.Any(m => m.InFlight.Any(c => c.Call == call))) return;
        _calls.Remove(call);
        // An idle lane goes too, or one per distinct `$using:` value would be kept for the pool's life;
        // the next task of its kind makes a new one.
        if (call.LaneKey is { } key && _lanes.GetValueOrDefault(key) == call) _lanes.Remove(key);
        foreach (var member in _members.Where(m => m.KnownCalls.Remove(call.Id)))
            PostCallId(member, FrameType.PoolForget, call, ref afterLock);
    }

    /// <summary>Queues a message that names a call (cancel it, forget it) for a worker, to go after the lock.</summary>
    private static void PostCallId(PoolMember member, FrameType type, PoolCall call, ref AfterLock afterLock)
    {
        var message = new WireWriter(8);
        message.WriteInt32(call.Id);
        PostAfter(member.Port, type, message, ref afterLock);
    }

    /// <summary>
    /// Posts a frame once the lock is let go, or now when the port never waits: a host's agent then gets its
    /// frames in the order they were decided (it keeps a call's definition from the chunk that brought it
    /// for the chunks that follow). Under _gate.
    /// </summary>
    private static void PostAfter(IWorkerPort port, FrameType type, WireWriter message, ref AfterLock afterLock)
    {
        if (port.PostNeverWaits) Post(port, type, message);
        else afterLock.Add(() => Post(port, type, message));
    }

    private static ItemResult Failure(MpException error)
    {
        var record = new System.Management.Automation.ErrorRecord(error.ErrorRecord, error);
        return new ItemResult { Failure = record };
    }

    private static void Post(IWorkerPort port, FrameType type, WireWriter message)
    {
        try { port.Post(type, message.WrittenSpan); }
        catch (MpObjectGoneException) { /* the worker is gone: OnWorkerGone puts its chunks back */ }
    }
}
