using System;
using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Host;
using System.Management.Automation.Runspaces;
using System.Threading;
using Multiproc.Ipc;
using Multiproc.Pool;

namespace Multiproc.Worker;

/// <summary>
/// Inline mode (SPEC §10): runs a task in the calling runspace, one after another, as a worker would run it.
/// </summary>
/// <remarks>
/// Each run is a nested pipeline in a child scope of the caller's, so Pester's mocks and the debugger
/// reach the task. `$using:` values are variables of that scope; `$_` and -ArgumentList are bound as a
/// worker binds them, through the same task filter. What the task writes is recorded in the wire form a
/// worker sends and read back, so results and records look as they do from a worker.
/// </remarks>
internal sealed class InlineRunner
{
    private const string Wrapper = @"
param($__MpSink, $__MpTask, $__MpPerItem, $__MpHasInput, $__MpInput, $__MpArgs, $__MpUsing, $__MpSetup)
foreach ($__MpU in $__MpUsing.GetEnumerator()) { $ExecutionContext.SessionState.PSVariable.Set($__MpU.Key, $__MpU.Value) }
# A worker's preferences, not the caller's: a caller's 'Stop' would end a task at its first Write-Error.
$ErrorActionPreference = $WarningPreference = 'Continue'
$VerbosePreference = $DebugPreference = $InformationPreference = 'SilentlyContinue'
if ($__MpHasInput) { $ExecutionContext.SessionState.PSVariable.Set('_', $__MpInput) }   # as a child sees it in a script without a process block
& {
    if ($__MpSetup) {   # what a worker has before its first task, here in the task's own scope; if it fails, the task fails with its error
        try {
            foreach ($__MpM in $__MpSetup.Modules) { Import-Module $__MpM -Scope Local -ErrorAction Stop }
            foreach ($__MpF in $__MpSetup.Functions.GetEnumerator()) { Set-Item -LiteralPath ('function:' + $__MpF.Key) -Value $__MpF.Value }
            foreach ($__MpU in $__MpSetup.UsingValues.GetEnumerator()) { Set-Variable -Name $__MpU.Key -Value $__MpU.Value }
            if ($__MpSetup.Script -and $__MpSetup.Quiet) {   # a pool's: its output is nobody's, and an error fails it, as in a worker
                . $__MpSetup.Script *>&1 | ForEach-Object { if ($_ -is [System.Management.Automation.ErrorRecord]) { throw $_ } }
            }
            elseif ($__MpSetup.Script) { . $__MpSetup.Script }   # Start-MpProcess's: its output is the process's
        }
        catch { $__MpSink.ItemFailed($_); $__MpSink.ItemEnded($true); return }
    }
    if (-not $__MpPerItem) { , $__MpInput | & $__MpTask @__MpArgs }
    else {
        $__MpEnded = $false
        try {
            if ($__MpHasInput) { , $__MpInput | & $__MpTask @__MpArgs } else { & $__MpTask @__MpArgs }
            $__MpEnded = $true
        }
        catch { $__MpSink.ItemFailed($_); $__MpEnded = $true }
        finally { $__MpSink.ItemEnded($__MpEnded) }
    }
} 3>&1 4>&1 5>&1 6>&1
";

    private readonly PSHost _host;
    private readonly SessionState _state;
    private readonly ScriptBlock? _task;
    private readonly bool _perItem;
    private readonly ErrorRecord? _parseError;
    private readonly Hashtable _usingValues;
    private readonly Hashtable? _setup;

    /// <summary>
    /// What a worker gets before its first task: modules, functions and an initialization script. Inline,
    /// each task gets it first, in its own scope: there is no worker to keep what it defines.
    /// </summary>
    /// <param name="Quiet">A pool's set-up: its output is discarded and an error fails the task; else (Start-MpProcess) its output is the task's.</param>
    public sealed record Setup(string[] Modules, Hashtable Functions, string Script, Hashtable UsingValues, bool Quiet)
    {
        public bool IsEmpty => Modules.Length == 0 && Functions.Count == 0 && Script.Length == 0;
    }

    /// <param name="asPoolTask">Bound as a pool task (`$_` in any scriptblock, through the task filter); else as Start-MpProcess runs it.</param>
    public InlineRunner(PSCmdlet caller, string script, Hashtable usingValues, bool asPoolTask, Setup? setup = null)
    {
        _host = caller.Host;
        _state = caller.SessionState;
        _usingValues = AsItCrosses(usingValues);
        try
        {
            if (asPoolTask) (_task, _perItem) = TaskFilter.Compile(script);
            else (_task, _perItem) = (ScriptBlock.Create(script), true);
            if (setup is { IsEmpty: false })
                _setup = new Hashtable
                {
                    ["Modules"] = setup.Modules,
                    ["Functions"] = setup.Functions,
                    ["Script"] = setup.Script.Length > 0 ? ScriptBlock.Create(setup.Script) : null,
                    ["UsingValues"] = AsItCrosses(setup.UsingValues),
                    ["Quiet"] = setup.Quiet,
                };
        }
        catch (ParseException e) { _parseError = e.ErrorRecord; }
    }

    /// <summary>
    /// A copy of <paramref name="value"/> as a worker gets it: `$_`, arguments and `$using:` values are bound
    /// to copies, as they are in a worker, so a task that works inline works in a worker too (shared
    /// objects stay live handles).
    /// </summary>
    /// <exception cref="MpSerializationException">It cannot cross.</exception>
    public static T AsItCrosses<T>(T value) => (T)Serializer.Read(Serializer.Write(value))!;

    /// <summary>Whether inline mode is on for this command: its -Inline, [Multiproc.MpSettings]::Inline, or $env:MULTIPROC_INLINE.</summary>
    public static bool IsOn(bool inlineSwitch) => inlineSwitch || MpSettings.Inline;

    /// <summary>How a run ended: its result; the code `exit` gave, when `exit` (or another flow-control statement) cut it short; whether its timeout stopped it.</summary>
    public readonly record struct Outcome(ItemResult Result, int? ExitCode, bool TimedOut);

    /// <summary>
    /// Runs the task once (<paramref name="hostPrefix"/> before each line it writes to the host, if any).
    /// Ctrl+C (<paramref name="cancel"/>) and <paramref name="timeout"/> stop it as they would stop a
    /// worker's task: its finally blocks run.
    /// </summary>
    public Outcome Run(bool hasInput, object? input, object?[] arguments, string? hostPrefix, TimeSpan? timeout, CancellationToken cancel)
    {
        if (_parseError is not null) return new Outcome(new ItemResult { Failure = _parseError }, null, false);
        var sink = new InlineSink(_host, hostPrefix);
        using var ps = PowerShell.Create(RunspaceMode.CurrentRunspace);
        ps.AddScript(Wrapper, useLocalScope: true)
          .AddArgument(sink).AddArgument(_task).AddArgument(_perItem).AddArgument(hasInput)
          .AddArgument(input).AddArgument(arguments).AddArgument(_usingValues).AddArgument(_setup);
        using var timer = timeout is { } limit ? new CancellationTokenSource(limit) : null;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancel, timer?.Token ?? CancellationToken.None);
        using (stop.Token.Register(() => ps.BeginStop(null, null)))
        {
            try { NestedPipeline.Invoke(ps, sink.OnOutput, sink.OnError); }
            catch (RuntimeException) when (stop.IsCancellationRequested) { }
        }
        if (cancel.IsCancellationRequested) throw new PipelineStoppedException();
        if (timer?.IsCancellationRequested == true) return new Outcome(new ItemResult(), null, true);
        if (sink.Take() is not { } ended) return new Outcome(new ItemResult(), null, false);   // it never began
        int? exitCode = null;
        if (!ended.Normally)
            exitCode = LanguagePrimitives.TryConvertTo(_state.PSVariable.GetValue("LASTEXITCODE"), out int code) ? code : 0;
        return new Outcome(ended.Result, exitCode, false);
    }
}
