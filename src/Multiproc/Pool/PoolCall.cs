using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Management.Automation;
using System.Threading;
using Multiproc.Queues;

namespace Multiproc.Pool;

/// <summary>One Invoke-MpPool call: its definition, the items it submitted, and their results as they come.</summary>
/// <remarks>
/// The pool fills in results from its workers' reader threads; the calling cmdlet takes them on its own
/// thread, in input order or as they come. Items waiting for a worker sit in <see cref="Pending"/>,
/// which the pool guards with its own lock.
/// </remarks>
internal sealed class PoolCall
{
    private const double TargetChunkSeconds = 0.01;   // a chunk long enough to make its message cheap, short enough to balance
    private const int MaxChunk = 4096;
    private static int s_lastId;

    private readonly object _gate = new();
    private readonly List<PoolItem> _items = new();      // guarded by _gate; every item, by index (none for a lane)
    private int _submitted;                               // guarded by _gate
    private readonly Queue<(PoolItem Item, ItemResult Result)> _finished = new();   // guarded by _gate; for unordered emission: results, and what streams ahead of them
    private int _nextInOrder;                             // guarded by _gate
    private int _done;                                    // guarded by _gate
    private volatile int _untaken;                        // results not yet taken: lets TakeReady skip the lock
    private bool _inputComplete;                          // guarded by _gate
    private double _secondsPerItem = -1;                  // guarded by the pool's lock; -1 until a chunk has run
    private Dictionary<WorkerSite, double>? _secondsPerItemAt;   // guarded by the pool's lock: the same, at each site

    private int _succeeded, _failed, _neverRun;            // guarded by _gate
    private readonly ConcurrentQueue<(PoolItem Item, ProgressRecord Record)> _live = new();   // the bars running items draw

    public PoolCall(TaskDefinition definition, int? chunkSize, bool ordered, CallerContext caller, RunPolicy policy, string? laneKey = null)
    {
        Id = Interlocked.Increment(ref s_lastId);
        Definition = definition;
        Policy = policy;
        FixedChunkSize = chunkSize;
        Ordered = ordered && laneKey is null;
        Caller = caller;
        LaneKey = laneKey;
    }

    /// <summary>
    /// An -Async lane: every -Async task of one scriptblock (and `$using:` values) on a pool, whatever
    /// Invoke-MpPool call it came from, so they share chunks and one definition. Its input never ends;
    /// its results go to the tasks only.
    /// </summary>
    public bool IsLane => LaneKey is not null;

    /// <summary>A lane's scriptblock and `$using:` values, as the pool finds it by them; null for a call.</summary>
    public string? LaneKey { get; }

    public int Id { get; }
    public TaskDefinition Definition { get; }

    /// <summary>Timeouts, retries and -MaxFailures for its items (an -Async task brings its own).</summary>
    public RunPolicy Policy { get; }

    /// <summary>Items failed for good (after their retries); guarded by the pool's lock.</summary>
    public int FinalFailures { get; set; }

    /// <summary>Items waiting out the delay before their next attempt; guarded by the pool's lock.</summary>
    public int Retrying { get; set; }

    /// <summary>Set once -MaxFailures is reached: no item of it starts any more.</summary>
    public volatile bool FailedFast;
    public int? FixedChunkSize { get; }
    public bool Ordered { get; }

    /// <summary>The runspace that made the call: woken on every result, and where callbacks run.</summary>
    public CallerContext Caller { get; }

    /// <summary>Items not yet sent to a worker; guarded by the pool's lock.</summary>
    public Deque<PoolItem> Pending { get; } = new();

    /// <summary>-Resume: items answered from the journal, not run (the command's thread alone writes it).</summary>
    public volatile int Replayed;

    /// <summary>-Journal: where each answer is recorded as it comes; null without.</summary>
    public RunJournal? Journal { get; init; }

    /// <summary>Set by the pool when the call is cancelled; later results are dropped.</summary>
    public volatile bool Cancelled;

    /// <summary>
    /// What its running items write goes to the caller as they write it (SPEC §8): an -Unordered call's, unless
    /// its items are quick (their results come within 20 ms anyway), may be retried (an attempt that failed
    /// would have shown its output already) or are journaled (a line holds an item's whole output). Under the pool's lock.
    /// </summary>
    public bool Streams => !Ordered && !IsLane && Journal is null && Policy.RetryCount == 0 && !IsQuick;

    /// <summary>
    /// Items per chunk for a worker at <paramref name="site"/>: fixed by -ChunkSize, else about 10 ms of
    /// work there as measured so far (a slower host takes smaller chunks), or over all workers until a
    /// chunk has run there. Under the pool's lock.
    /// </summary>
    public int ChunkSizeAt(WorkerSite site)
    {
        if (FixedChunkSize is { } size) return size;
        double perItem = _secondsPerItemAt is not null && _secondsPerItemAt.TryGetValue(site, out var there) ? there : _secondsPerItem;
        return perItem < 0 ? 1 : (int)Math.Clamp(TargetChunkSeconds / Math.Max(perItem, 1e-7), 1, MaxChunk);
    }

    /// <summary>Known to take well under a millisecond an item, so a chunk may wait its turn behind another. Under the pool's lock.</summary>
    public bool IsQuick => _secondsPerItem is >= 0 and < 0.001;

    /// <summary>A chunk of <paramref name="count"/> items ran for <paramref name="seconds"/> at <paramref name="site"/>; under the pool's lock.</summary>
    public void Observe(int count, double seconds, WorkerSite site)
    {
        if (count == 0) return;
        double perItem = seconds / count;
        _secondsPerItem = Average(_secondsPerItem, perItem);
        _secondsPerItemAt ??= new();
        _secondsPerItemAt[site] = Average(_secondsPerItemAt.GetValueOrDefault(site, -1), perItem);
    }

    private static double Average(double sofar, double next) => sofar < 0 ? next : (sofar + next) / 2;

    /// <param name="position">The input's position among its command's inputs, those that could not cross too.</param>
    public PoolItem Add(int position, object? input, byte[] bytes, MpTask? task = null, byte[]? arguments = null, RunPolicy? policy = null,
        bool hostPrefix = false, string? journalHash = null)
    {
        lock (_gate)
        {
            var item = new PoolItem(this, _submitted++, input, bytes, arguments, policy ?? Policy)
            {
                InputIndex = position, Task = task, HostPrefix = hostPrefix, JournalHash = journalHash,
            };
            if (!IsLane) _items.Add(item);
            return item;
        }
    }

    public bool InputComplete { get { lock (_gate) return _inputComplete; } }

    public void CompleteInput()
    {
        lock (_gate) _inputComplete = true;
        Caller.WakeUp();
    }

    public int Submitted { get { lock (_gate) return _submitted; } }

    public int Done { get { lock (_gate) return _done; } }

    /// <summary>Every item submitted so far has its answer (while more input may come).</summary>
    public bool AllAnswered { get { lock (_gate) return _done == _submitted; } }

    /// <summary>Every item submitted has its result (and the input has ended).</summary>
    public bool IsDone { get { lock (_gate) return (_inputComplete || IsLane) && _done == _submitted; } }

    /// <summary>Records an item's result; its task, if any, completes and queues its callback.</summary>
    public void Complete(PoolItem item, ItemResult result) => Complete(new[] { (item, result) });

    /// <summary>Records results of this call's items, as a worker's message brings them: one wake-up for all.</summary>
    public void Complete(IReadOnlyList<(PoolItem Item, ItemResult Result)> results)
    {
        if (Cancelled && !IsLane)
        {
            // Stopped: nothing more is emitted, but what finished meanwhile is journaled, so a resume does not run it again.
            if (Journal is not null) Journal.Write(TakeFirstResults(results));
            return;
        }
        var fresh = new List<PoolItem>(results.Count);
        lock (_gate)
        {
            foreach (var (item, result) in results)
            {
                if (item.Result is not null) continue;   // failed already (the pool was stopped meanwhile)
                item.Result = result;
                fresh.Add(item);
                if (result == ItemResult.NeverRun) _neverRun++;
                else if (result.Failure is null) _succeeded++;
                else _failed++;
            }
        }
        if (fresh.Count == 0) return;
        Journal?.Write(fresh);   // before the caller can emit them: a line is never behind its output
        // A task's callback is queued before its item counts as done: once a call is done, every
        // callback it owes is queued, so a wait that drains them after seeing it done misses none.
        foreach (var item in fresh) item.Task?.Complete(item.Result!);
        lock (_gate)
        {
            _done += fresh.Count;
            if (!IsLane) _untaken += fresh.Count;
            if (!Ordered && !IsLane)
                foreach (var item in fresh) _finished.Enqueue((item, item.Result!));   // NeverRun ones too: the cmdlet skips them
        }
        Caller.WakeUp();
    }

    /// <summary>Sets the results of the items that have none yet, and returns those items.</summary>
    private List<PoolItem> TakeFirstResults(IReadOnlyList<(PoolItem Item, ItemResult Result)> results)
    {
        var first = new List<PoolItem>(results.Count);
        lock (_gate)
            foreach (var (item, result) in results)
                if (item.Result is null)
                {
                    item.Result = result;
                    first.Add(item);
                }
        return first;
    }

    /// <summary>Its command shows what running items write to be shown as it comes (their Write-Progress); else that is dropped.</summary>
    public volatile bool ShowsLive;

    /// <summary>
    /// What a running item wrote, sent as it runs (a worker's reader thread): its progress records for the
    /// command to draw, and when the call streams, its output and records, emitted ahead of its result.
    /// </summary>
    public void AddLive(PoolItem item, ItemResult written, int processId, string hostName)
    {
        if (Cancelled) return;
        var streamed = new ItemResult { ProcessId = processId, HostName = hostName, Attempt = item.Attempt };   // tagged as its result will be
        foreach (var entry in written.Entries)
        {
            if (entry.Stream == Ipc.StreamKind.Progress) { if (ShowsLive) _live.Enqueue((item, (ProgressRecord)entry.Value!)); }
            else streamed.Entries.Add(entry);
        }
        if (streamed.Entries.Count > 0 && !Ordered && !IsLane)
            lock (_gate)
            {
                if (item.Result is not null) return;   // it failed already (its worker was lost): what it wrote before is not news
                item.Streamed = true;
                _finished.Enqueue((item, streamed));
                _untaken++;
            }
        else if (!ShowsLive) return;   // nothing to draw: no need to wake the caller
        Caller.WakeUp();
    }

    /// <summary>The bars running items drew since the last call, in order.</summary>
    public IEnumerable<(PoolItem Item, ProgressRecord Record)> TakeLive()
    {
        while (_live.TryDequeue(out var live)) yield return live;
    }

    /// <summary>How its items ended so far: succeeded, failed, never run (for MpTooManyFailures).</summary>
    public (int Succeeded, int Failed, int NeverRun) Counts { get { lock (_gate) return (_succeeded, _failed, _neverRun); } }

    /// <summary>
    /// What may be emitted now: the next items' results in input order, or every finished one's, with what
    /// running items streamed ahead of their results (a result that is not the item's own Result is such a part).
    /// </summary>
    public List<(PoolItem Item, ItemResult Result)>? TakeReady()
    {
        if (_untaken == 0) return null;   // the common case while input streams in: nothing to lock for
        var ready = new List<(PoolItem, ItemResult)>();
        lock (_gate)
        {
            if (Ordered)
                while (_nextInOrder < _items.Count && _items[_nextInOrder].Result is { } result) ready.Add((_items[_nextInOrder++], result));
            else
                while (_finished.Count > 0) ready.Add(_finished.Dequeue());
            _untaken -= ready.Count;
        }
        return ready;
    }
}
