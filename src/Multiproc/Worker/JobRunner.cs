using Multiproc.Rpc;
using System;
using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Host;
using System.Management.Automation.Runspaces;
using Multiproc.Ipc;
using Multiproc.Processes;

namespace Multiproc.Worker;

/// <summary>Runs one job in the child's runspace and streams what it produces back to the parent.</summary>
/// <remarks>
/// The scriptblock runs as a nested pipeline on the console host's runspace, so native commands write
/// straight to the console the child shares with its parent. A nested pipeline does not collect its
/// warning, verbose, debug and information streams (they go to the host), so the script is run with
/// those streams merged into its output and each record is told apart by its type; Write-Host's
/// records are drawn on the host here. The script runs in its own scope: loops run
/// about ten times slower at a runspace's top level.
/// </remarks>
internal sealed class JobRunner
{
    /// <summary>Exit code of a child whose pipeline was stopped, as after SIGTERM.</summary>
    public const int StoppedExitCode = 143;

    // Runs the user's script in its own scope (`&`) with its input piped in, and marks that it ran to the
    // end: `exit` in a nested pipeline ends it early without an error, leaving only $LASTEXITCODE.
    private const string Wrapper = @"
param($__MpScript, $__MpArgs, $__MpInput, $__MpEnd)
if ($__MpEnd.HasInput) { , $__MpInput | & $__MpScript @__MpArgs 3>&1 4>&1 5>&1 6>&1 }
else { & $__MpScript @__MpArgs 3>&1 4>&1 5>&1 6>&1 }
$__MpEnd.Reached = $true
";

    private readonly JobSpec _spec;
    private readonly Connection _parent;
    private readonly PSHost _host;
    private readonly SessionState _state;
    private readonly object _gate = new();
    private PowerShell? _running;   // guarded by _gate
    private bool _stopRequested;    // guarded by _gate
    private volatile bool _finished;
    private readonly ScriptEnd _end;
    private bool _hostMidLine;   // the last Write-Host text ended without a new line

    /// <summary>Handed to the wrapper script, which sets <see cref="Reached"/> when the user's script returns.</summary>
    public sealed class ScriptEnd
    {
        public bool HasInput { get; init; }
        public bool Reached { get; set; }
    }

    public JobRunner(JobSpec spec, Connection parent, PSHost host, SessionState state)
    {
        _state = state;
        _spec = spec;
        _parent = parent;
        _host = host;
        _end = new ScriptEnd { HasInput = spec.HasInput };
    }

    public bool IsFinished => _finished;

    public int Run()
    {
        int exitCode;
        ErrorRecord? failure = null;
        try
        {
            JobSetup.ApplyEnvironment(_spec);
            ProgressRelay.Target = record => SendRecord(StreamKind.Progress, record);
            Prepare();
            Invoke(MainScript());
            exitCode = _end.Reached ? 0 : LastExitCode();
        }
        catch (RuntimeException) when (IsStopping)
        {
            exitCode = StoppedExitCode;
        }
        catch (RuntimeException e)
        {
            failure = e.ErrorRecord;
            exitCode = 1;
        }
        catch (Exception e)
        {
            failure = UnexpectedFailures.ChildFailed(e);
            exitCode = 1;
        }
        // What the job put in queues elsewhere must be there before its end is: whoever waits
        // for this process may look in those queues next.
        Rpc.Link.SyncAll();
        SendDone(new DoneReport(exitCode, failure));
        _finished = true;
        return exitCode;
    }

    /// <summary>Stops the running pipeline; its finally blocks run. Called from the parent connection's reader thread.</summary>
    public void Stop()
    {
        PowerShell? running;
        lock (_gate)
        {
            _stopRequested = true;
            running = _running;
        }
        running?.BeginStop(null, null);
    }

    private bool IsStopping { get { lock (_gate) return _stopRequested; } }

    /// <summary>Location, functions, modules, then -InitializationScript in the global scope (its output is the job's too, as Start-Job's).</summary>
    private void Prepare()
    {
        if (JobSetup.Prepare(_spec, _state) is { } import) Invoke(import);
        if (_spec.InitializationScript.Length == 0) return;
        JobSetup.SetVariables(_spec.InitializationUsingValues, _state);
        // Dot-sourced at the global scope, with its records on the streams the script's take.
        Invoke(PowerShell.Create(RunspaceMode.CurrentRunspace)
            .AddScript($". {{\n{_spec.InitializationScript}\n}} 3>&1 4>&1 5>&1 6>&1", useLocalScope: false));
    }

    /// <summary>Runs the wrapper once around an empty script, so a standby's first job pays no first-use costs.</summary>
    public static void WarmUp()
    {
        using var ps = Wrapped(ScriptBlock.Create(""), Array.Empty<object?>(), null, new ScriptEnd());
        ps.Invoke();
    }

    private PowerShell MainScript() => Wrapped(ScriptBlock.Create(_spec.Script), _spec.Arguments, _spec.Input, _end);

    private static PowerShell Wrapped(ScriptBlock script, object?[] arguments, object? input, ScriptEnd end) =>
        PowerShell.Create(RunspaceMode.CurrentRunspace)
            .AddScript(Wrapper, useLocalScope: true)
            .AddArgument(script)
            .AddArgument(arguments)
            .AddArgument(input)
            .AddArgument(end);

    private static int LastExitCode()
    {
        using var ps = PowerShell.Create(RunspaceMode.CurrentRunspace).AddScript("$global:LASTEXITCODE");
        return ps.Invoke() is [{ BaseObject: int code }] ? code : 0;
    }

    private void Invoke(PowerShell ps)
    {
        using (ps)
        {
            lock (_gate)
            {
                if (_stopRequested) throw new PipelineStoppedException();
                _running = ps;
            }
            try
            {
                NestedPipeline.Invoke(ps, SendOutput, record => SendRecord(StreamKind.Error, record));
            }
            finally
            {
                lock (_gate) _running = null;
            }
            if (ps.InvocationStateInfo.State == PSInvocationState.Stopped) throw new PipelineStoppedException();
        }
    }

    // A script's $null output arrives as a null item.
    private void SendOutput(PSObject? item)
    {
        switch (RedirectedFrom(item))
        {
            case StreamKind.Information when item!.BaseObject is InformationRecord { Tags: var tags } info && tags.Contains("PSHOST"):
                HostOutput.Draw(_host, info, null, ref _hostMidLine);   // Write-Host: shown as it happens, not kept
                return;
            case StreamKind kind:
                SendRecord(kind, item!.BaseObject);
                return;
        }
        var w = new WireWriter();
        try
        {
            w.WriteValue(item);
        }
        catch (MpSerializationException e)
        {
            SendRecord(StreamKind.Error, e.ErrorRecord);
            return;
        }
        Send(FrameType.Output, w);
    }

    // The wrapper merges streams 3 to 6 into the output; a nested pipeline marks them no other way than by type.
    private static StreamKind? RedirectedFrom(PSObject? item) => item?.BaseObject switch
    {
        WarningRecord => StreamKind.Warning,
        VerboseRecord => StreamKind.Verbose,
        DebugRecord => StreamKind.Debug,
        InformationRecord => StreamKind.Information,
        _ => null,
    };

    private void SendRecord(StreamKind kind, object record)
    {
        var w = new WireWriter();
        StreamRecord.Write(w, kind, record);
        Send(FrameType.Record, w);
    }

    private void SendDone(DoneReport report)
    {
        var w = new WireWriter();
        report.Write(w);
        Send(FrameType.Done, w);
    }

    private void Send(FrameType type, WireWriter body)
    {
        try { _parent.Send(type, body); }
        catch (MpObjectGoneException) { /* the parent is gone; the parent connection's Closed handler ends this process */ }
    }
}
