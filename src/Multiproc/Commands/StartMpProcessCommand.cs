using System;
using System.Collections;
using System.Collections.Generic;
using System.IO;
using System.Management.Automation;
using Multiproc.Processes;
using Multiproc.Worker;

namespace Multiproc.Commands;

/// <summary>Runs a scriptblock in a child `pwsh` process: `Start-MpProcess { ... }`.</summary>
[Cmdlet(VerbsLifecycle.Start, "MpProcess", DefaultParameterSetName = ScriptBlockSet)]
[OutputType(typeof(MpProcess))]
public sealed class StartMpProcessCommand : MpCmdlet
{
    private const string ScriptBlockSet = "ScriptBlock";
    private const string FilePathSet = "FilePath";

    [Parameter(Mandatory = true, Position = 0, ParameterSetName = ScriptBlockSet)]
    public ScriptBlock ScriptBlock { get; set; } = null!;

    /// <summary>A script file to run instead of a scriptblock, as Start-Job -FilePath: read here, so `$using:` works in it.</summary>
    [Parameter(Mandatory = true, ParameterSetName = FilePathSet)]
    [ValidateNotBlank]
    public string FilePath { get; set; } = null!;

    /// <summary>Runs in the child's global scope before the script, as Start-Job -InitializationScript.</summary>
    [Parameter]
    [ValidateNotNull]
    public ScriptBlock? InitializationScript { get; set; }

    [Parameter(Position = 1)]
    [Alias("Args")]
    public object?[]? ArgumentList { get; set; }

    /// <summary>Each pipeline object starts one process, where it is `$_`.</summary>
    [Parameter(ValueFromPipeline = true)]
    public PSObject? InputObject { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Name { get; set; }

    [Parameter]
    [ValidateNotBlank]
    public string? WorkingDirectory { get; set; }

    [Parameter]
    public IDictionary? Environment { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? Function { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(ModuleNameCompleter))]
    public string[]? Module { get; set; }

    [Parameter]
    public SwitchParameter Wait { get; set; }

    /// <summary>Seconds the process may run; then it is stopped (State Stopped, error MpTaskTimeout).</summary>
    [Parameter]
    [ValidateRange(0.001, double.MaxValue)]
    public double Timeout { get; set; }

    /// <summary>Runs the scriptblock in this runspace at once, as inline mode does (SPEC §10).</summary>
    [Parameter]
    public SwitchParameter Inline { get; set; }

    private readonly List<MpProcess> _started = new();
    private int _inputs;   // pipeline inputs so far
    private InlineRunner? _inline;
    private Child? _next;   // started ahead, so pwsh boots while this command prepares the job
    private string _script = "";
    private Hashtable _usingValues = new();
    private string _initialization = "";
    private Hashtable _initializationUsingValues = new();
    private string _command = "";
    private Hashtable _functions = new();
    private string[] _modules = Array.Empty<string>();
    private Dictionary<string, string> _environment = new();
    private string _workingDirectory = "";

    protected override void BeginProcessing()
    {
        try
        {
            var script = ParameterSetName == FilePathSet ? ScriptCapture.ReadFile(FilePath, SessionState) : ScriptBlock;
            _command = script.ToString();
            (_script, _usingValues) = ScriptCapture.RewriteUsing(script, SessionState);
            if (InitializationScript is not null)
                (_initialization, _initializationUsingValues) = ScriptCapture.RewriteUsing(InitializationScript, SessionState, initialization: true);
            _functions = ScriptCapture.Functions(Function, SessionState);
            _modules = ScriptCapture.Modules(Module, SessionState);
            var setup = new InlineRunner.Setup(_modules, _functions, _initialization, _initializationUsingValues, Quiet: false);
            foreach (var warning in MissedCaptures.Warnings(script, SessionState, setup)) WriteWarning(warning);
            if (InlineRunner.IsOn(Inline)) _inline = new InlineRunner(this, _script, _usingValues, asPoolTask: false, setup);
            else _next = Child.Acquire();
            _environment = ScriptCapture.Environment(Environment);
            _workingDirectory = ResolveWorkingDirectory();
        }
        catch (MpException e) { ThrowTerminating(e); }
    }

    protected override void ProcessRecord()
    {
        _inputs++;
        if (_inline is not null)
        {
            MpProcess ran;
            try { ran = RunInline(); }
            catch (MpException e) { ThrowTerminating(e); return; }
            if (Wait) _started.Add(ran);
            else WriteObject(ran);
            return;
        }
        var spec = new JobSpec
        {
            Name = Name ?? Session.Current.Processes.NextName(),
            ParentId = System.Environment.ProcessId,
            Script = _script,
            Arguments = ArgumentList ?? Array.Empty<object?>(),
            HasInput = MyInvocation.ExpectingInput,
            Input = InputObject,
            UsingValues = _usingValues,
            InitializationScript = _initialization,
            InitializationUsingValues = _initializationUsingValues,
            Functions = _functions,
            Modules = _modules,
            Environment = _environment,
            WorkingDirectory = _workingDirectory,
            DefaultManager = Session.Current.DefaultManager,
        };
        MpProcess process;
        var child = _next ?? Child.Acquire();
        _next = null;
        try { process = MpProcess.Start(spec, _command, child, InputIndex(), StopToken); }
        catch (MpException e) { ThrowTerminating(e); return; }
        catch (OperationCanceledException) { return; }
        if (MyInvocation.BoundParameters.ContainsKey(nameof(Timeout))) process.StopAfter(Timeouts.FromSeconds(Timeout));
        if (Wait) _started.Add(process);
        else WriteObject(process);
    }

    protected override void EndProcessing()
    {
        // -Wait: the processes ran side by side; their output comes in start order, then they are removed.
        foreach (var process in _started)
        {
            ChildOutputWriter.Receive(this, process, wait: true, keep: false, StopToken);
            if (StopToken.IsCancellationRequested) return;
            Session.Current.Processes.Remove(process);
        }
    }

    /// <summary>The position of this input among the command's, from 0; null without pipeline input.</summary>
    private int? InputIndex() => MyInvocation.ExpectingInput ? _inputs - 1 : null;

    /// <summary>
    /// Inline mode: runs the script here, in a child scope, with -Environment and -WorkingDirectory in
    /// effect while it runs; -Module, -Function and -InitializationScript come first, in its scope. -Timeout stops it as it would
    /// stop a child (State Stopped, error MpTaskTimeout).
    /// </summary>
    private MpProcess RunInline()
    {
        var started = DateTime.Now;
        var saved = new Dictionary<string, string?>();
        if (Environment is not null)
            foreach (System.Collections.DictionaryEntry entry in Environment)
            {
                var name = entry.Key.ToString()!;
                saved.TryAdd(name, System.Environment.GetEnvironmentVariable(name));
                System.Environment.SetEnvironmentVariable(name, (entry.Value is PSObject p ? p.BaseObject : entry.Value)?.ToString());
            }
        SessionState.Path.PushCurrentLocation("");
        try
        {
            SessionState.Path.SetLocation(WildcardPattern.Escape(_workingDirectory));
            TimeSpan? timeout = MyInvocation.BoundParameters.ContainsKey(nameof(Timeout)) ? Timeouts.FromSeconds(Timeout) : null;
            var (result, exitCode, timedOut) = _inline!.Run(MyInvocation.ExpectingInput, InlineRunner.AsItCrosses<object?>(InputObject),
                InlineRunner.AsItCrosses(ArgumentList ?? Array.Empty<object?>()), null, timeout, StopToken);
            var output = new List<ChildOutput>();
            foreach (var (stream, value) in result.Entries) output.Add(new ChildOutput(stream, value));
            if (result.Failure is { } failure) output.Add(new ChildOutput(Ipc.StreamKind.Error, failure));
            if (timedOut)
                output.Add(new ChildOutput(Ipc.StreamKind.Error, new MpTaskTimeoutException(
                    $"The script ran longer than its -Timeout of {Timeout:0.###} s and was stopped (inline, in process {System.Environment.ProcessId}).", InputObject).ErrorRecord));
            var source = new MpSource(System.Environment.ProcessId, InputIndex(), MyInvocation.ExpectingInput ? InputObject : null, 1);
            return MpProcess.RanInline(Name ?? Session.Current.Processes.NextName(), _command, started, source, output,
                timedOut ? JobRunner.StoppedExitCode : result.Failure is not null ? 1 : exitCode ?? 0, stopped: timedOut);
        }
        finally
        {
            SessionState.Path.PopLocation("");
            foreach (var (name, value) in saved) System.Environment.SetEnvironmentVariable(name, value);
        }
    }

    /// <summary>
    /// A child started ahead but never given a job (bad input, Ctrl+C) goes. So do -Wait's processes on
    /// Ctrl+C, which may come before EndProcessing: the caller never got them, so they end with the wait.
    /// </summary>
    protected override void Release()
    {
        _next?.Kill();
        _next = null;
        if (StopToken.IsCancellationRequested)
            foreach (var process in _started) process.Kill();
    }

    private string ResolveWorkingDirectory()
    {
        if (WorkingDirectory is null) return SessionState.Path.CurrentFileSystemLocation.ProviderPath;
        var path = SessionState.Path.GetUnresolvedProviderPathFromPSPath(WorkingDirectory);
        return Directory.Exists(path)
            ? path
            : throw new MpInvalidArgumentException(
                $"The working directory '{path}' does not exist. Create it, or give -WorkingDirectory an existing folder.", path);
    }
}
