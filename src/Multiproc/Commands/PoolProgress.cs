using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Management.Automation;
using Multiproc.Pool;

namespace Multiproc.Commands;

/// <summary>
/// Invoke-MpPool's progress bars (SPEC §10): one for the call (done, failed, queued, rate, time left) and
/// one under it per worker (its input, how long it has run), once the call has run about a second; and
/// the bars tasks draw with Write-Progress, under the call's, as they come.
/// </summary>
/// <remarks>Looked at twice a second at most, from the command's own thread, so a quick call pays nothing.</remarks>
internal sealed class PoolProgress
{
    private const string Activity = "Invoke-MpPool";
    private static readonly long ShowAfter = Stopwatch.Frequency;   // about a second
    private static readonly long ShowEvery = Stopwatch.Frequency / 2;

    private readonly Cmdlet _cmdlet;
    private readonly PoolCall _call;
    private readonly MpPool? _pool;   // null inline: no workers to show
    private readonly int _activityId;
    private readonly long _started = Stopwatch.GetTimestamp();
    private readonly Dictionary<int, int> _workerBars = new();   // worker pid → its bar's activity id
    private readonly Dictionary<(PoolItem Item, int Id), int> _taskBars = new();   // a running task's own bar → the activity id shown
    private readonly int _firstTaskBar;
    private int _taskBarsMade;
    private long _lastShown;
    private bool _shown;

    public PoolProgress(Cmdlet cmdlet, PoolCall call, MpPool? pool)
    {
        _cmdlet = cmdlet;
        _call = call;
        _pool = pool;
        _activityId = 1 + call.Id % 1000 * 1000;   // room for a bar per worker under it
        _firstTaskBar = 1_000_000 + call.Id % 1000 * 100_000;   // apart from every call's and worker's bars
    }

    /// <summary>A bar a running task drew (Write-Progress), shown under the call's bar, or under the task's own parent bar.</summary>
    public void ShowTask(PoolItem item, ProgressRecord record)
    {
        if (item.Result is not null) return;   // it has ended, and its bars with it
        var key = (item, record.ActivityId);
        bool completed = record.RecordType == ProgressRecordType.Completed;
        if (!_taskBars.TryGetValue(key, out var bar))
        {
            if (completed) return;
            _taskBars[key] = bar = _firstTaskBar + _taskBarsMade++ % 100_000;
        }
        var shown = new ProgressRecord(bar, record.Activity, record.StatusDescription)
        {
            ParentActivityId = record.ParentActivityId >= 0 && _taskBars.TryGetValue((item, record.ParentActivityId), out var parent) ? parent : _activityId,
            PercentComplete = record.PercentComplete,
            SecondsRemaining = record.SecondsRemaining,
            CurrentOperation = record.CurrentOperation,
            RecordType = record.RecordType,
        };
        if (completed) _taskBars.Remove(key);
        _shown = true;
        Write(shown);
    }

    /// <summary>Takes down the bars of a task that has ended.</summary>
    public void EndTask(PoolItem item)
    {
        if (_taskBars.Count == 0) return;
        foreach (var (key, bar) in new List<KeyValuePair<(PoolItem Item, int Id), int>>(_taskBars))
        {
            if (key.Item != item) continue;
            _taskBars.Remove(key);
            Write(new ProgressRecord(bar, " ", "Done") { ParentActivityId = _activityId, RecordType = ProgressRecordType.Completed });
        }
    }

    /// <summary>Shows the bars when it is time to.</summary>
    public void Show()
    {
        long now = Stopwatch.GetTimestamp();
        if (now - _started < ShowAfter || now - _lastShown < ShowEvery) return;
        _lastShown = now;
        _shown = true;
        foreach (var (item, _) in new List<(PoolItem Item, int Id)>(_taskBars.Keys))
            if (item.Result is not null) EndTask(item);   // ended, while an ordered call emits earlier ones first
        var progress = _pool?.ProgressOf(_call) ?? new CallProgress(0, Array.Empty<WorkerActivity>());
        ShowCall(progress.Queued, (double)(now - _started) / Stopwatch.Frequency);
        ShowWorkers(progress.Workers);
    }

    /// <summary>Takes the bars down, if they were shown.</summary>
    public void Complete()
    {
        if (!_shown) return;
        foreach (var (item, _) in new List<(PoolItem Item, int Id)>(_taskBars.Keys)) EndTask(item);
        foreach (var bar in _workerBars.Values) Write(new ProgressRecord(bar, Activity, "Done") { ParentActivityId = _activityId, RecordType = ProgressRecordType.Completed });
        _workerBars.Clear();
        Write(new ProgressRecord(_activityId, Activity, "Done") { RecordType = ProgressRecordType.Completed });
        _shown = false;
    }

    private void ShowCall(int queued, double seconds)
    {
        var (succeeded, failed, _) = _call.Counts;
        int done = succeeded + failed, submitted = _call.Submitted;
        double rate = (done - _call.Replayed) / seconds;   // inputs answered from a journal took no time
        var record = new ProgressRecord(_activityId, Activity,
            $"{done} of {submitted} done, {failed} failed, {queued} queued, {rate:N1} tasks/s");
        if (_call.InputComplete && submitted > 0)
        {
            record.PercentComplete = (int)(100L * done / submitted);
            if (rate > 0) record.SecondsRemaining = (int)Math.Ceiling((submitted - done) / rate);
        }
        Write(record);
    }

    private void ShowWorkers(IReadOnlyList<WorkerActivity> workers)
    {
        var running = new HashSet<int>();
        long now = Environment.TickCount64;
        foreach (var worker in workers)
        {
            running.Add(worker.ProcessId);
            if (!_workerBars.TryGetValue(worker.ProcessId, out var bar))
                _workerBars[worker.ProcessId] = bar = FreeBar();
            var input = LanguagePrimitives.ConvertTo<string>(worker.Item.Input) ?? "";
            if (input.Length > 60) input = input[..57] + "...";
            Write(new ProgressRecord(bar, $"Worker {worker.ProcessId}",
                $"input {worker.Item.InputIndex}: {input}, running {(now - worker.Since) / 1000.0:0.0} s") { ParentActivityId = _activityId });
        }
        foreach (var (pid, bar) in new List<KeyValuePair<int, int>>(_workerBars))
        {
            if (running.Contains(pid)) continue;
            _workerBars.Remove(pid);
            Write(new ProgressRecord(bar, $"Worker {pid}", "Idle") { ParentActivityId = _activityId, RecordType = ProgressRecordType.Completed });
        }
    }

    /// <summary>The lowest activity id under the call's that no worker's bar has.</summary>
    private int FreeBar()
    {
        var taken = new HashSet<int>(_workerBars.Values);
        int bar = _activityId + 1;
        while (taken.Contains(bar)) bar++;
        return bar;
    }

    private void Write(ProgressRecord record) => _cmdlet.WriteProgress(record);
}
