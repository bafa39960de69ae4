using System;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using Multiproc.Pool;

namespace Multiproc;

/// <summary>A task given to a pool with Invoke-MpPool -Async, as Python's AsyncResult.</summary>
public sealed class MpTask
{
    private static int s_lastId;
    private readonly ManualResetEventSlim _done = new();
    private readonly ScriptBlock? _callback;
    private readonly ScriptBlock? _errorCallback;
    private readonly CallerContext _caller;
    private ItemResult? _result;   // written once, before _done is set

    internal MpTask(string command, object? input, int inputIndex, ScriptBlock? callback, ScriptBlock? errorCallback, CallerContext caller)
    {
        Id = Interlocked.Increment(ref s_lastId);
        Command = command;
        Input = input;
        InputIndex = inputIndex;
        _callback = callback;
        _errorCallback = errorCallback;
        _caller = caller;
    }

    public int Id { get; }

    /// <summary>Unique to this task, as a job's InstanceId.</summary>
    public Guid InstanceId { get; } = Guid.NewGuid();

    /// <summary>What it runs: the scriptblock's text.</summary>
    public string Command { get; }

    /// <summary>The pipeline input it was given (`$_` in the task), if any.</summary>
    public object? Input { get; }

    /// <summary>Its input's position among those of the Invoke-MpPool command that made it, from 0.</summary>
    public int InputIndex { get; }

    public bool IsCompleted => _done.IsSet;

    public MpTaskState State => !_done.IsSet ? MpTaskState.Pending : _result!.Failure is null ? MpTaskState.Completed : MpTaskState.Failed;

    /// <summary>Its output once it has run, as GetResult() gives it without waiting; empty before.</summary>
    public object?[] Output => Result is { } result ? result.Entries.Where(e => e.Stream is null).Select(e => e.Value).ToArray() : [];

    /// <summary>Its error records once it has run: those it wrote, then the error that ended it, if it failed; empty before.</summary>
    public ErrorRecord[] Error => Result is { } result
        ? result.Entries.Where(e => e.Stream == Ipc.StreamKind.Error).Select(e => (ErrorRecord)e.Value!)
            .Concat(result.FailureFor(InputIndex, Input) is { } failure ? [failure] : []).ToArray()
        : [];

    /// <summary>The process id of the worker that ran it (this process, inline); null before it has run, 0 when no worker did.</summary>
    public int? ProcessId => Result?.ProcessId;

    /// <summary>How long it ran in its worker; null before it has run.</summary>
    public TimeSpan? Duration => Result?.Duration;

    /// <summary>Waits for the task and returns its output (one object, an array of several, or $null); a failed task throws its error.</summary>
    public object? GetResult() => GetResult(double.PositiveInfinity);

    /// <summary>As GetResult(), waiting at most <paramref name="timeout"/> seconds (MpTimeout after that).</summary>
    public object? GetResult(double timeout)
    {
        if (!MethodInterrupt.WaitFor(cancel => Wait(Timeouts.FromSeconds(timeout), cancel)))
            throw new MpTimeoutException($"Timed out: the task did not finish within {timeout} seconds. Wait longer, or check the pool with Get-MpPool.", this);
        if (_result!.Failure is { } failure)
            throw failure.Exception as MpException
                  ?? new MpTaskFailedException($"The task failed: {failure.Exception?.Message ?? failure.ToString()}", Input, failure.Exception);
        var output = _result.Entries.Where(e => e.Stream is null).Select(e => e.Value).ToArray();
        return output.Length switch { 0 => null, 1 => output[0], _ => output };
    }

    internal ItemResult? Result => _done.IsSet ? _result : null;

    internal bool Wait(TimeSpan timeout, CancellationToken cancel)
    {
        try { return _done.Wait(timeout, cancel); }
        catch (OperationCanceledException) { return false; }
    }

    /// <summary>Called once, when the task has run; queues its callback in the caller's runspace.</summary>
    internal void Complete(ItemResult result)
    {
        _result = result;
        _done.Set();
        if (result.FailureFor(InputIndex, Input) is { } failure)
        {
            if (_errorCallback is not null) _caller.Enqueue(_errorCallback, failure);
        }
        else if (_callback is not null)
        {
            _caller.Enqueue(_callback, GetResult(0));
        }
        _caller.WakeUp();
    }

    public override string ToString() => $"MpTask {Id} ({State})";
}
