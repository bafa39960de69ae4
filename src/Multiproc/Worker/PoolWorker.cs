using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Management.Automation;
using System.Management.Automation.Host;
using System.Management.Automation.Runspaces;
using Multiproc.Ipc;
using Multiproc.Pool;
using Multiproc.Processes;

namespace Multiproc.Worker;

/// <summary>A pool worker: sets up once, then runs chunks of items until its parent lets it go.</summary>
/// <remarks>
/// One pipeline runs for the worker's life, taking chunk after chunk from <see cref="Next"/> (a pipeline
/// per chunk would cost a fifth of a millisecond each). The parent connection's reader thread queues the chunks and
/// handles cancellations meanwhile: cancelling the running call stops the pipeline, which then starts
/// anew. A call's definition comes with its first chunk and is kept until the call is over.
/// </remarks>
internal sealed class PoolWorker
{
    // Mode 0 pipes the whole chunk through the task wrapped as a filter (see TaskFilter), which marks each
    // item's end itself. Mode 1 pipes items one by one through that filter, each with its own arguments
    // (an -Async lane); a binding error never reaches the filter, so it is marked here. Mode 2 runs a task
    // with blocks of its own once per item. ChunkEnded() is skipped only when `exit` cut the chunk short.
    // A drained chunk (its call reached -MaxFailures) starts no more items.
    private const string Loop = @"
param($__MpWorker)
while ($__MpRun = $__MpWorker.Next()) {
    $__MpSink = $__MpRun.Sink
    $__MpTask = $__MpRun.Task
    $__MpItems = $__MpRun.Items
    $__MpArgs = $__MpRun.Arguments
    if ($__MpRun.Mode -eq 0) { $__MpRun.ItemsUntilDrained() | & $__MpTask @__MpArgs 3>&1 4>&1 5>&1 6>&1 }
    else {
        & {
            for ($__MpI = 0; $__MpI -lt $__MpItems.Length -and -not $__MpRun.Drained; $__MpI++) {
                $__MpA = if ($__MpRun.ItemArguments) { $__MpRun.ItemArguments[$__MpI] } else { $__MpArgs }
                if ($__MpRun.Mode -eq 1) {
                    try { , $__MpItems[$__MpI] | & $__MpTask @__MpA } catch { $__MpSink.ItemFailed($_); $__MpSink.ItemEnded($true) }
                }
                else {
                    $__MpEnded = $false
                    try { , $__MpItems[$__MpI] | & $__MpTask @__MpA; $__MpEnded = $true } catch { $__MpSink.ItemFailed($_); $__MpEnded = $true } finally { $__MpSink.ItemEnded($__MpEnded) }
                }
            }
        } 3>&1 4>&1 5>&1 6>&1   # merged once for the chunk, not once an item
    }
    $__MpSink.ChunkEnded()
}
";

    private readonly Connection _parent;
    private readonly ResultLedger _ledger;
    private readonly PSHost _host;
    private readonly SessionState _state;
    private readonly BlockingCollection<TaskChunk> _chunks = new();   // a chunk with no items and CallId < 0: forget call -CallId
    private readonly Dictionary<int, CompiledCall> _calls = new();   // pipeline thread only
    private readonly Dictionary<string, CompiledCall> _compiled = new();   // pipeline thread only; by script text
    private readonly ConcurrentDictionary<int, byte> _cancelled = new();   // calls cancelled or drained: their chunks do not run
    private readonly object _gate = new();
    private PowerShell? _loop;      // guarded by _gate
    private ChunkRun? _current;     // guarded by _gate; the chunk the loop runs now
    private bool _stopping;         // guarded by _gate; the loop was told to stop: it must not start another chunk

    private PoolWorker(Connection parent, PSHost host, SessionState state, ResultLedger ledger)
    {
        _parent = parent;
        _host = host;
        _state = state;
        _ledger = ledger;
    }

    /// <summary>Runs the worker until its connection to the parent closes; never returns normally.</summary>
    public static int Run(Connection parent, Frame setup, PSHost host, SessionState state)
    {
        var message = new WireReader(setup.Body);
        var spec = JobSpec.Read(message);
        var worker = new PoolWorker(parent, host, state, ResultLedger.Open(message.ReadString()));
        parent.Closed += _ => Process.GetCurrentProcess().Kill();   // let go, or the parent is gone: no orphans
        ProgressRelay.Target = record => worker.CurrentSink()?.SendLive(StreamKind.Progress, record);
        if (!worker.SetUp(spec)) return 1;
        parent.Start(worker.OnFrame, "Multiproc parent");
        while (true) worker.RunLoop();
    }

    /// <summary>Environment, functions, modules, then the initialization script in the global scope; reports how it went.</summary>
    private bool SetUp(JobSpec spec)
    {
        ErrorRecord? failure = null;
        try
        {
            JobSetup.ApplyEnvironment(spec);
            if (JobSetup.Prepare(spec, _state) is { } import) using (import) import.Invoke();
            if (spec.Script.Trim().Length > 0)
            {
                using var init = PowerShell.Create(RunspaceMode.CurrentRunspace).AddScript(spec.Script, useLocalScope: false);
                init.Invoke();
                if (init.HadErrors && init.Streams.Error.Count > 0) failure = init.Streams.Error[0];
            }
        }
        catch (RuntimeException e) { failure = e.ErrorRecord; }
        catch (Exception e) { failure = UnexpectedFailures.PoolSetupFailed(e); }
        var ready = new WireWriter();
        ready.WriteBool(failure is null);
        if (failure is not null) StreamRecord.Write(ready, StreamKind.Error, failure);
        try { _parent.Send(FrameType.PoolReady, ready); }
        catch (MpObjectGoneException) { return false; }
        return failure is null;
    }

    private void OnFrame(Frame frame)
    {
        if (frame.Type == FrameType.PoolChunk)
        {
            _chunks.Add(TaskChunk.Read(new WireReader(frame.Body)));
        }
        else if (frame.Type == FrameType.PoolForget)
        {
            // Through the queue: the definitions belong to the pipeline thread.
            _chunks.Add(new TaskChunk { CallId = -new WireReader(frame.Body).ReadInt32() });
        }
        else if (frame.Type is FrameType.PoolCancel or FrameType.PoolDrain)
        {
            int call = new WireReader(frame.Body).ReadInt32();
            _cancelled[call] = 0;
            lock (_gate)
            {
                if (_current?.CallId != call || _stopping) return;
                if (frame.Type == FrameType.PoolDrain) _current.Sink.Drain();
                else
                {
                    // For an -Async task the answer counts: stopped, it failed (a cancelled call's answers are dropped).
                    _current.Sink.StopItem(_current.Sink.ItemsEnded, new MpPoolClosedException(
                        "The task was stopped before it ended (Ctrl+C), and its finally blocks ran.").ErrorRecord);
                    StopLoop();
                }
            }
        }
        else if (frame.Type == FrameType.PoolStopItem)
        {
            var r = new WireReader(frame.Body);
            long chunkId = r.ReadInt64();
            int index = r.ReadInt32();
            var reason = new MpTaskTimeoutException(r.ReadString()).ErrorRecord;
            lock (_gate)
                if (_current?.Sink is { } sink && sink.ChunkId == chunkId && !_stopping && sink.StopItem(index, reason)) StopLoop();
        }
    }

    /// <summary>Stops the loop pipeline as Ctrl+C would: the task's finally blocks run. Under _gate.</summary>
    private void StopLoop()
    {
        _stopping = true;
        _loop?.BeginStop(null, null);
    }

    /// <summary>Runs the loop pipeline until it is stopped (a call was cancelled) or cut short by `exit`.</summary>
    private void RunLoop()
    {
        using var ps = PowerShell.Create(RunspaceMode.CurrentRunspace);
        ps.AddScript(Loop, useLocalScope: true).AddArgument(this);
        lock (_gate) _loop = ps;
        try { NestedPipeline.Invoke(ps, item => CurrentSink()?.OnOutput(item), record => CurrentSink()?.OnError(record)); }
        catch (Exception) { /* stopped: a call was cancelled, or an item ran too long; or `exit` */ }
        ChunkRun? cut;
        bool stopped;
        lock (_gate)
        {
            cut = _current;
            stopped = _stopping;
            _current = null;
            _loop = null;
            _stopping = false;
        }
        if (cut is null) return;
        if (!stopped && !cut.Sink.ChunkRanToEnd)
        {
            // `exit` in a task ends the worker, as it would end a process: the item that ran it is lost.
            cut.Sink.SendResultsButLast();
            // PowerShell ends `exit` at the pipeline it runs in and keeps its code in $LASTEXITCODE.
            var code = new WireWriter(8);
            code.WriteInt32(LanguagePrimitives.TryConvertTo(_state.PSVariable.GetValue("LASTEXITCODE"), out int exitCode) ? exitCode : 0);
            try { _parent.Send(FrameType.PoolExit, code); }
            catch (MpObjectGoneException) { }
            _parent.Close();
            Process.GetCurrentProcess().Kill();
        }
        if (stopped) cut.Sink.EndStoppedItem(cut.Items.Length);
        cut.Sink.SendResults(chunkEnded: true);
    }

    private TaskSink? CurrentSink()
    {
        lock (_gate) return _current?.Sink;
    }

    /// <summary>The loop's next chunk to run, once the last one is reported; null ends the loop. Not for use from scripts.</summary>
    public ChunkRun? Next()
    {
        ChunkRun? done;
        bool stopping;
        lock (_gate)
        {
            done = _current;
            _current = null;
            stopping = _stopping;
        }
        done?.Sink.SendResults(chunkEnded: true);
        if (stopping) return null;   // let the stop land on the loop's end, not on the next chunk
        while (true)
        {
            if (!_chunks.TryTake(out var chunk, IdleTrim.Delay))
            {
                IdleTrim.Run();
                chunk = _chunks.Take();
            }
            if (chunk.CallId < 0)
            {
                _calls.Remove(-chunk.CallId);
                _cancelled.TryRemove(-chunk.CallId, out _);
                continue;
            }
            if (chunk.Definition is not null) _calls[chunk.CallId] = Compile(chunk.Definition);   // once per call
            var call = _calls[chunk.CallId];
            var sink = new TaskSink(chunk.ChunkId, _parent, _ledger, _host, chunk.HostIndexes, chunk.Streams);
            if (_cancelled.ContainsKey(chunk.CallId) || call.Error is not null)
            {
                if (call.Error is not null && !_cancelled.ContainsKey(chunk.CallId))
                    foreach (var _ in chunk.Values)
                    {
                        sink.ItemFailed(call.Error);
                        sink.ItemEnded(normally: false);   // all go with the chunk's end, in one message
                    }
                sink.SendResults(chunkEnded: true);
                continue;
            }
            JobSetup.SetVariables(call.Definition.UsingValues, _state);
            var run = new ChunkRun(chunk.CallId, sink, call.Task!, chunk.Values,
                chunk.CommonArguments ?? call.Definition.Arguments, chunk.ValueArguments,
                call.PerItem ? 2 : chunk.ValueArguments is not null ? 1 : 0);
            lock (_gate) _current = run;
            return run;
        }
    }

    /// <summary>A call's task, compiled once per script text: a loop of -Async calls sends the same script many times.</summary>
    private CompiledCall Compile(TaskDefinition definition)
    {
        if (!_compiled.TryGetValue(definition.Script, out var compiled))
        {
            if (_compiled.Count >= 256) _compiled.Clear();
            try
            {
                var (task, perItem) = TaskFilter.Compile(definition.Script);
                compiled = new CompiledCall(definition, task, perItem, null);
            }
            catch (ParseException e)
            {
                compiled = new CompiledCall(definition, null, false, e.ErrorRecord);
            }
            _compiled[definition.Script] = compiled;
        }
        return compiled with { Definition = definition };
    }

    private sealed record CompiledCall(TaskDefinition Definition, ScriptBlock? Task, bool PerItem, ErrorRecord? Error);
}
