using System;
using System.Diagnostics;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using Multiproc.Ipc;
using Multiproc.Pool;
using Multiproc.Processes;
using Multiproc.Worker;

namespace Multiproc.Commands;

/// <summary>Runs a scriptblock for each pipeline input on a pool's workers, as Python's Pool.map, imap and apply_async.</summary>
/// <remarks>
/// The first input starts the call, later ones feed it, and results are written as they arrive, between
/// inputs and after the last. Ctrl+C, -ErrorAction Stop and a downstream Select-Object -First end the
/// command through <see cref="Release"/>, which stops what is left as Ctrl+C would (a task that has not
/// ended within -StopGrace is killed with its worker); a pool made for the call goes too.
/// </remarks>
[Cmdlet(VerbsLifecycle.Invoke, "MpPool", DefaultParameterSetName = NewPoolSet)]
[OutputType(typeof(object), typeof(MpTask))]
public sealed class InvokeMpPoolCommand : RunPolicyCmdlet
{
    private const string NewPoolSet = "NewPool";
    private const string PoolSet = "Pool";

    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNull]
    public ScriptBlock ScriptBlock { get; set; } = null!;

    /// <summary>Each pipeline object is one task, `$_` in the scriptblock.</summary>
    [Parameter(ValueFromPipeline = true)]
    public PSObject? InputObject { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = PoolSet)]
    [ValidateNotNull]
    public MpPool Pool { get; set; } = null!;

    /// <summary>Workers of the pool started for this call alone.</summary>
    [Parameter(ParameterSetName = NewPoolSet)]
    [ValidateRange(1, 256)]
    public int Size { get; set; } = Environment.ProcessorCount;

    /// <summary>The pool started for this call: runs once in each worker, in its global scope, before any task (as New-MpPool's).</summary>
    [Parameter(ParameterSetName = NewPoolSet)]
    [ValidateNotNull]
    public ScriptBlock? InitializationScript { get; set; }

    /// <summary>The pool started for this call: this session's functions of these names, defined in each worker.</summary>
    [Parameter(ParameterSetName = NewPoolSet)]
    [ValidateNotNullOrEmpty]
    public string[]? Function { get; set; }

    /// <summary>The pool started for this call: modules imported in each worker.</summary>
    [Parameter(ParameterSetName = NewPoolSet)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(ModuleNameCompleter))]
    public string[]? Module { get; set; }

    [Parameter]
    [Alias("Args")]
    public object?[]? ArgumentList { get; set; }

    [Parameter(ParameterSetName = NewPoolSet)]
    [Parameter(ParameterSetName = PoolSet)]
    [ValidateRange(1, int.MaxValue)]
    public int ChunkSize { get; set; }

    [Parameter(ParameterSetName = NewPoolSet)]
    [Parameter(ParameterSetName = PoolSet)]
    public SwitchParameter Unordered { get; set; }

    /// <summary>Emits an MpTask per task at once instead of waiting for results (needs -Pool).</summary>
    [Parameter(ParameterSetName = PoolSet)]
    public SwitchParameter Async { get; set; }

    /// <summary>With -Async: runs in this runspace with each task's output as `$_`.</summary>
    [Parameter(ParameterSetName = PoolSet)]
    [ValidateNotNull]
    public ScriptBlock? Callback { get; set; }

    /// <summary>With -Async: runs in this runspace with each failed task's error record as `$_`.</summary>
    [Parameter(ParameterSetName = PoolSet)]
    [ValidateNotNull]
    public ScriptBlock? ErrorCallback { get; set; }

    /// <summary>Runs each task in this runspace, one after another (SPEC §10): Pester's mocks and the debugger reach it.</summary>
    [Parameter]
    public SwitchParameter Inline { get; set; }

    /// <summary>Starts each line a task writes to the host with `[pid:index] `: which worker, which input.</summary>
    [Parameter]
    public SwitchParameter HostPrefix { get; set; }

    /// <summary>A JSON Lines file that gets a line for each input as it finishes; -Resume goes on from it.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Journal { get; set; }

    /// <summary>With -Journal: inputs that succeeded before are not run again; their recorded output is emitted in their place.</summary>
    [Parameter]
    public SwitchParameter Resume { get; set; }

    /// <summary>Shows no progress bars.</summary>
    [Parameter]
    public SwitchParameter NoProgress { get; set; }

    private MpPool? _pool;
    private RunJournal? _journal;
    private bool _ownsPool;
    private InlineRunner? _inline;   // set in inline mode: no worker runs the call
    private int _inlineFailures;
    private object?[] _inlineArguments = Array.Empty<object?>();   // -ArgumentList as a worker gets it
    private int _inputCount;   // inputs so far: the next one's position
    private PoolCall? _call;
    private byte[]? _arguments;   // -Async: each task brings its arguments, serialized once per command
    private CallerContext _caller = null!;
    private string _command = "";   // the scriptblock's text, each MpTask's Command
    private RunPolicy _policy = RunPolicy.Default;
    private PoolProgress? _progress;   // null with -NoProgress, or when $ProgressPreference hides it

    protected override void BeginProcessing()
    {
        if (!Async && (Callback is not null || ErrorCallback is not null))
            ThrowTerminating(new MpInvalidArgumentException(
                "-Callback and -ErrorCallback go with -Async: without it, results come down the pipeline instead."));
        if (Async && (ChunkSize > 0 || Unordered))
            ThrowTerminating(new MpInvalidArgumentException(
                "-ChunkSize and -Unordered shape map mode's results; with -Async each task is its own MpTask."));
        if (Resume && Journal is null)
            ThrowTerminating(new MpInvalidArgumentException("-Resume goes on from a journal: give -Journal the file the run to resume wrote."));
        if (Async && Journal is not null)
            ThrowTerminating(new MpInvalidArgumentException(
                "-Journal records a map call's answers; with -Async each task is its own MpTask. Leave out -Async to journal the call."));
        if (Async && MyInvocation.BoundParameters.ContainsKey(nameof(MaxFailures)))
            ThrowTerminating(new MpInvalidArgumentException(
                "-MaxFailures ends a map call early; with -Async each task is its own MpTask. Leave out -Async, or check each task's State."));
        try
        {
            _caller = CallerContext.Of(this);
            _command = ScriptBlock.ToString();
            var (script, usingValues) = ScriptCapture.RewriteUsing(ScriptBlock, SessionState);
            var setup = ParameterSetName == NewPoolSet ? PoolSetup.ForInline(this, InitializationScript, Function, Module) : Pool.InlineSetup;
            foreach (var warning in MissedCaptures.Warnings(ScriptBlock, SessionState, setup)) WriteWarning(warning);
            var definition = new TaskDefinition(script, usingValues, ArgumentList ?? Array.Empty<object?>());
            _policy = PolicyOver(ParameterSetName == NewPoolSet ? RunPolicy.Default : Pool.Policy);
            if (Journal is not null)
                _journal = RunJournal.Open(SessionState.Path.GetUnresolvedProviderPathFromPSPath(Journal), Resume);
            if (InlineRunner.IsOn(Inline))
            {
                _inline = new InlineRunner(this, script, usingValues, asPoolTask: true, setup);
                _inlineArguments = InlineRunner.AsItCrosses(definition.Arguments);
                // An -Async call is a lane: its results go to its tasks, not down the pipeline.
                _call = new PoolCall(definition, null, ordered: true, _caller, _policy, Async ? "inline" : null) { Journal = _journal };
                StartProgress();
                return;
            }
            if (ParameterSetName == NewPoolSet)
            {
                _pool = MpPool.Start(null, new WorkerSite[] { new LocalSite(Size) }, 0, PoolSetup.For(this, setup), _policy, StopToken);
                _ownsPool = true;
            }
            else _pool = Pool;
            if (_pool.HasHosts)
            {
                Serializer.Write(usingValues, out bool usingHandle);
                if (usingHandle) throw MpNotRemotableException.For("A $using: value");
                Serializer.Write(definition.Arguments, out bool argumentHandle);
                if (argumentHandle) throw MpNotRemotableException.For("-ArgumentList");
            }
            if (Async)
            {
                _call = _pool.LaneFor(script, usingValues, _caller);
                _arguments = Serializer.Write(definition.Arguments);
            }
            else _call = new PoolCall(definition, ChunkSize > 0 ? ChunkSize : null, !Unordered, _caller, _policy) { Journal = _journal };
            StartProgress();
        }
        catch (OperationCanceledException) { throw new PipelineStoppedException(); }
        catch (MpException e) { ThrowTerminating(e); }
    }

    protected override void ProcessRecord()
    {
        int position = _inputCount++;   // an input that cannot cross has its position too
        byte[] bytes;
        bool holdsHandle;
        // A path names a file on this machine only: for a pool with hosts a file goes as its properties.
        var crossing = _pool is { HasHosts: true } && InputObject?.BaseObject is System.IO.FileSystemInfo file
            ? Ipc.FileSystemItems.AsProperties(file, InputObject)
            : InputObject;
        try { bytes = Serializer.Write(crossing, out holdsHandle); }
        catch (MpSerializationException e)
        {
            WriteError(e);
            return;
        }
        if (holdsHandle && _pool is { HasHosts: true })
        {
            WriteError(MpNotRemotableException.For("This input", InputObject));
            return;
        }
        var input = InputObject?.BaseObject is null ? null : InputObject;
        var task = Async ? new MpTask(_command, input, position, Callback, ErrorCallback, _caller) : null;
        string? hash = null;
        if (_journal is not null)
        {
            hash = RunJournal.HashOf(InputObject);
            ItemResult? recorded;
            try { recorded = _journal.Recorded(position, hash, input); }
            catch (MpException e) { EndWith(e); return; }
            if (recorded is not null)
            {
                _call!.Replayed++;
                _call.Complete(_call.Add(position, input, bytes, policy: _policy), recorded);   // answered before: emitted in its place
                WriteReady();
                return;
            }
        }
        var item = _call!.Add(position, input, bytes, task, _arguments, _policy, HostPrefix, hash);
        if (_inline is not null) RunInline(item);
        else
            try { _pool!.Submit(item); }
            catch (MpException e) { ThrowTerminating(e); }
        if (task is not null)
        {
            WriteObject(task);
            if (_inline is not null) _caller.RunPending(WriteError);   // its callback, at once
        }
        else
        {
            WriteReady();
            if (_call!.FailedFast) EndFailedFast();
        }
    }

    protected override void EndProcessing()
    {
        if (Async) return;   // a lane's input never ends: its tasks go as they come
        if (_inline is not null) _call!.CompleteInput();
        else _pool!.EndInput(_call!);
        _caller.WaitUntil(() =>
        {
            bool done = _call!.IsDone;
            WriteReady();
            return done;
        }, System.Threading.Timeout.InfiniteTimeSpan, StopToken, WriteError);
        _progress?.Complete();
        if (_call!.FailedFast) EndFailedFast();
    }

    /// <summary>-MaxFailures was reached: once what was running has ended and its results are out, the call ends.</summary>
    private void EndFailedFast()
    {
        _caller.WaitUntil(() =>
        {
            bool settled = _call!.AllAnswered;
            WriteReady();
            return settled;
        }, System.Threading.Timeout.InfiniteTimeSpan, StopToken, WriteError);
        var (succeeded, failed, neverRun) = _call!.Counts;
        EndWith(new MpTooManyFailuresException(
            $"The call stopped early: {failed} tasks failed, and -MaxFailures is {_policy.MaxFailures}. " +
            $"{succeeded} succeeded, {failed} failed, {neverRun} never ran. Fix what makes them fail, or raise -MaxFailures.",
            new { Succeeded = succeeded, Failed = failed, NeverRun = neverRun }));
    }

    /// <summary>
    /// Inline mode: runs the task here and now, with the call's timeout, retries and -MaxFailures as a pool
    /// applies them (a task that ignores its stop cannot be killed apart from its caller: -StopGrace does not apply).
    /// </summary>
    private void RunInline(PoolItem item)
    {
        if (_call!.FailedFast)
        {
            _call.Complete(item, ItemResult.NeverRun);
            return;
        }
        while (true)
        {
            var prefix = HostPrefix ? $"[{System.Environment.ProcessId}:{item.InputIndex}] " : null;
            long started = System.Environment.TickCount64;
            var (result, exitCode, timedOut) = _inline!.Run(hasInput: true, Serializer.Read(item.Bytes), _inlineArguments, prefix, item.Policy.TaskTimeout, StopToken);
            if (timedOut)
                result = new ItemResult
                {
                    Failure = new MpTaskTimeoutException(
                        item.Policy.TimedOut(item.InputIndex, item.Attempt, $"inline in process {System.Environment.ProcessId}", (System.Environment.TickCount64 - started) / 1000.0),
                        item.Input).ErrorRecord,
                };
            else if (exitCode is { } code)
                result = new ItemResult
                {
                    Failure = new MpWorkerLostException(
                        $"The task ran `exit {code}`, which ends a pool worker; inline, it ended the task. It was input {item.InputIndex} of the call (counting from 0), attempt {item.Attempt}.",
                        item.Input).ErrorRecord,
                };
            if (result.Failure is { } failure && item.Policy.Retries(failure, item.Attempt))
            {
                item.Attempt++;
                if (Timeouts.Wait(Task.Delay(item.Policy.DelayBefore(item.Attempt)), Timeout.InfiniteTimeSpan, StopToken)) continue;
                throw new PipelineStoppedException();
            }
            result.ProcessId = System.Environment.ProcessId;
            result.Attempt = item.Attempt;
            if (result.Failure is { } final)
            {
                result.Failure = RunPolicy.AfterAttempts(final, item.Attempt);
                if (++_inlineFailures >= _policy.MaxFailures) _call.FailedFast = true;
            }
            _call.Complete(item, result);
            return;
        }
    }

    /// <summary>Writes the results that are ready, runs due callbacks and shows progress.</summary>
    private void WriteReady()
    {
        if (_journal is not null)
            try { _journal.ThrowIfFailed(); }   // before emitting: what could not be journaled is not emitted either
            catch (MpException e) { EndWith(e); }
        if (_progress is not null)
            foreach (var (item, record) in _call!.TakeLive()) _progress.ShowTask(item, record);
        if (_call!.TakeReady() is { } ready)
            foreach (var (item, result) in ready)
            {
                if (result == item.Result) _progress?.EndTask(item);   // its result, not a part streamed ahead of it
                if (result != ItemResult.NeverRun) StreamOutput.WriteResult(this, result, item.InputIndex, item.Input);
            }
        if (_caller.HasPending) _caller.RunPending(WriteError);
        _progress?.Show();
    }

    /// <summary>Ends the command with a terminating error, its progress bars taken down first.</summary>
    private void EndWith(MpException e)
    {
        _progress?.Complete();
        ThrowTerminating(e);
    }

    /// <summary>A map call shows its progress, unless -NoProgress or $ProgressPreference says not to.</summary>
    private void StartProgress()
    {
        if (Async || NoProgress) return;
        var preference = SessionState.PSVariable.GetValue("ProgressPreference");
        if (LanguagePrimitives.TryConvertTo(preference, out ActionPreference shown) &&
            shown is ActionPreference.SilentlyContinue or ActionPreference.Ignore) return;
        _progress = new PoolProgress(this, _call!, _inline is null ? _pool : null);
        _call!.ShowsLive = true;
    }

    /// <summary>Whatever ended the command, a call not done is stopped, and a pool made for it goes.</summary>
    /// <remarks>Its tasks stop as Ctrl+C would stop them (their finally blocks run); what has not ended within
    /// -StopGrace is killed, or at a second Ctrl+C. This waits for that, so nothing of the call runs once
    /// the command has ended.</remarks>
    protected override void Release()
    {
        if (_call is not null && _pool is not null && _inline is null && !Async && !_call.IsDone)
        {
            _pool.Cancel(_call);
            if (!_caller.WaitUntil(() => !_pool.IsRunning(_call), Timeout.InfiniteTimeSpan, NextCtrlC, onError: null))
            {
                _pool.KillStopped();
                _caller.WaitUntil(() => !_pool.IsRunning(_call), Timeout.InfiniteTimeSpan, CancellationToken.None, onError: null);
            }
        }
        if (_ownsPool) _pool?.Terminate();
        _journal?.Dispose();
    }
}
