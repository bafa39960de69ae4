using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using Multiproc.Ipc;
using Multiproc.Processes;

namespace Multiproc;

/// <summary>A child `pwsh` process running a scriptblock, as Python's `multiprocessing.Process`.</summary>
public sealed class MpProcess
{
    /// <summary>How long a stopped child may clean up before it is killed.</summary>
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(5);

    private readonly Child? _child;              // null for the view of the current process
    private readonly Connection? _connection;
    private readonly object _gate = new();
    private readonly List<ChildOutput> _output = new();   // guarded by _gate
    private readonly ChangeSignal _changed = new();
    private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task<int> _osExited = Task.FromResult(0);   // the OS exit status, once the process is gone
    private int? _reportedExitCode;                            // from the Done frame; read after the link closed
    private volatile bool _stopRequested;
    private TimeSpan? _timedOut;                               // set before the stop that -Timeout asked for
    private MpProcessState _state = MpProcessState.Running;   // guarded by _gate
    private int? _exitCode;                                    // guarded by _gate
    private DateTime? _endTime;                                // guarded by _gate

    private MpProcess(Child child, Connection connection, string name)
    {
        _child = child;
        _connection = connection;
        Id = child.Process.Id;
        Name = name;
        ParentId = Environment.ProcessId;
        StartTime = DateTime.Now;
        var os = child.Process;
        // One continuation reads the status and then disposes: a second one could dispose it first.
        int pid = os.Id;
        _osExited = os.WaitForExitAsync().ContinueWith(_ =>
        {
            int status = os.ExitCode;
            os.Dispose();
            RuntimeFiles.Remove(pid);   // killed from outside, it could not
            return status;
        }, TaskScheduler.Default);
        connection.Closed += _ => OnLinkClosed();
        connection.Start(OnFrame, $"Multiproc {name}");
    }

    // Every frame has been read. A child that sent Done has finished and is leaving with _exit: it is
    // ended now, not ~10 ms later when the kernel has torn down its memory. Without Done it crashed or
    // was killed, and its OS exit status tells how; what the runtime said if it died of a fatal error
    // becomes an error of its own.
    private void OnLinkClosed()
    {
        if (_reportedExitCode is { } code) Finish(code);
        else _ = FinishCrashed();
    }

    private async Task FinishCrashed()
    {
        int status = await _osExited.ConfigureAwait(false);
        await Task.WhenAny(_child!.StandardError.Drained, Task.Delay(Child.LastWordsWait)).ConfigureAwait(false);
        Finish(status, _child.LastWords(TimeSpan.Zero));
    }

    private MpProcess(JobSpec self)
    {
        Id = Environment.ProcessId;
        Name = self.Name;
        ParentId = self.ParentId;
        StartTime = System.Diagnostics.Process.GetCurrentProcess().StartTime;
    }

    /// <summary>What its records are tagged with (their MpSource).</summary>
    internal MpSource Source { get; private init; } = null!;

    /// <summary>The operating system's process id.</summary>
    public int Id { get; }
    /// <summary>`MpProcess-n` unless -Name said otherwise.</summary>
    public string Name { get; }
    /// <summary>The id of the process that started this one.</summary>
    public int ParentId { get; }
    public DateTime StartTime { get; private init; }
    /// <summary>Unique to this process, as a job's InstanceId.</summary>
    public Guid InstanceId { get; } = Guid.NewGuid();
    /// <summary>What it runs: the scriptblock's text, or the -FilePath script's.</summary>
    public string Command { get; private init; } = "";

    public MpProcessState State { get { lock (_gate) return _state; } }
    /// <summary>Null while running; 0 on success, 1 when the scriptblock threw, the OS status when killed (137 after SIGKILL).</summary>
    public int? ExitCode { get { lock (_gate) return _exitCode; } }
    public DateTime? EndTime { get { lock (_gate) return _endTime; } }
    /// <summary>True while output or records wait for Receive-MpProcess, and while it runs (more may come), as a job's.</summary>
    public bool HasMoreData { get { lock (_gate) return _output.Count > 0 || _state == MpProcessState.Running; } }
    public bool IsAlive => State == MpProcessState.Running;

    // What waits for Receive-MpProcess, stream by stream, read without taking it, as a job's collections.
    public object?[] Output => Waiting(null);
    public ErrorRecord[] Error => Waiting(StreamKind.Error).Cast<ErrorRecord>().ToArray();
    public WarningRecord[] Warning => Waiting(StreamKind.Warning).Cast<WarningRecord>().ToArray();
    public VerboseRecord[] Verbose => Waiting(StreamKind.Verbose).Cast<VerboseRecord>().ToArray();
    public DebugRecord[] Debug => Waiting(StreamKind.Debug).Cast<DebugRecord>().ToArray();
    public InformationRecord[] Information => Waiting(StreamKind.Information).Cast<InformationRecord>().ToArray();
    public ProgressRecord[] Progress => Waiting(StreamKind.Progress).Cast<ProgressRecord>().ToArray();

    private object?[] Waiting(StreamKind? stream)
    {
        lock (_gate) return _output.Where(o => o.Stream == stream).Select(o => o.Value).ToArray();
    }

    /// <summary>Stops it as Stop-MpProcess does (finally blocks run; killed 5 s later); returns once it has ended.</summary>
    public void Stop() => MethodInterrupt.WaitFor(cancel =>
    {
        Stop(force: false, cancel);
        return Ended.IsCompleted;
    });

    /// <summary>Waits until the process ends; returns true.</summary>
    public bool Wait() => Wait(double.PositiveInfinity);

    /// <summary>Waits up to <paramref name="timeout"/> seconds; returns true when the process has ended.</summary>
    public bool Wait(double timeout) => MethodInterrupt.WaitFor(cancel => Wait(Timeouts.FromSeconds(timeout), cancel));

    internal bool Wait(TimeSpan timeout, CancellationToken cancel) => Timeouts.Wait(_ended.Task, timeout, cancel);

    internal Task Ended => _ended.Task;

    /// <summary>Completes at the next output, record or end; take it before looking at the state.</summary>
    internal Task NextChange() => _changed.Next();

    /// <summary>Gives <paramref name="spec"/> to <paramref name="child"/> (from <see cref="Child.Acquire"/>).</summary>
    /// <remarks>On failure the child is killed: it never ran anything of the user's.</remarks>
    /// <param name="inputIndex">The position of its input among the Start-MpProcess command's inputs; null without input.</param>
    internal static MpProcess Start(JobSpec spec, string command, Child child, int? inputIndex, CancellationToken cancel)
    {
        var job = new WireWriter(1024);
        Connection connection;
        try
        {
            spec.Write(job);   // a value the wire cannot carry fails here, before anything is sent
            connection = ConnectOrRespawn(ref child, cancel);
        }
        catch
        {
            child.Kill();
            throw;
        }
        var process = new MpProcess(child, connection, spec.Name) { Command = command, Source = new MpSource(child.Process.Id, inputIndex, spec.HasInput ? spec.Input : null, 1) };
        Session.Current.Processes.Add(process);
        try
        {
            connection.Send(FrameType.Job, job);
        }
        catch (MpObjectGoneException) { /* it died at once; its end is recorded as for any death */ }
        Standby.Refill();
        return process;
    }

    // A standby that died while it waited is replaced once by a new child.
    private static Connection ConnectOrRespawn(ref Child child, CancellationToken cancel)
    {
        try { return child.Connect(cancel); }
        catch (MpObjectGoneException) when (child.IsStandby)
        {
            child.Kill();
            child = Child.Spawn();
            return child.Connect(cancel);
        }
    }

    /// <summary>Inline mode: a script that ran in the caller already, ended, with what it produced.</summary>
    /// <param name="stopped">Its -Timeout stopped it: State Stopped, as a child's.</param>
    internal static MpProcess RanInline(string name, string command, DateTime started, MpSource source, IEnumerable<ChildOutput> output, int exitCode, bool stopped)
    {
        var process = new MpProcess(new JobSpec { Name = name, ParentId = Environment.ProcessId }) { Command = command, StartTime = started, Source = source };
        process._stopRequested = stopped;
        process._output.AddRange(output);
        process.Finish(exitCode);
        Session.Current.Processes.Add(process);
        return process;
    }

    /// <summary>This process's own view, for `Get-MpProcess -Current` inside a child.</summary>
    internal static MpProcess ForCurrent(JobSpec self) => new(self);

    /// <summary>The waiting output; removes it unless <paramref name="keep"/>.</summary>
    internal ChildOutput[] TakeOutput(bool keep)
    {
        lock (_gate)
        {
            var items = _output.ToArray();
            if (!keep) _output.Clear();
            return items;
        }
    }

    /// <summary>
    /// Asks the child to stop its pipeline (finally blocks run), killing it after a grace period; returns
    /// once the OS process is gone.
    /// </summary>
    internal void Stop(bool force, CancellationToken cancel)
    {
        if (_child is null) return;
        if (!Ended.IsCompleted)
        {
            _stopRequested = true;
            if (!force)
            {
                try { _connection!.Send(FrameType.Stop, ReadOnlySpan<byte>.Empty); }
                catch (MpObjectGoneException) { }
                Wait(StopGrace, cancel);
                if (cancel.IsCancellationRequested) return;
            }
        }
        if (!Timeouts.Wait(_osExited, Ended.IsCompleted ? StopGrace : TimeSpan.Zero, cancel)) Kill();
        // Ended follows the OS exit (or the link's close) as a continuation: wait for both.
        Timeouts.Wait(Task.WhenAll(_osExited, Ended), Timeout.InfiniteTimeSpan, cancel);
    }

    /// <summary>-Timeout: once <paramref name="timeout"/> has passed, the process is stopped as Stop-MpProcess stops it, and says why.</summary>
    internal void StopAfter(TimeSpan timeout)
    {
        if (timeout == Timeout.InfiniteTimeSpan) return;
        var ended = new CancellationTokenSource();   // a process that ends in time lets go of its timer
        Ended.ContinueWith(_ => ended.Cancel(), TaskScheduler.Default);
        Task.Delay(timeout, ended.Token).ContinueWith(delay =>
        {
            ended.Dispose();
            if (delay.IsCanceled || Ended.IsCompleted) return;
            _timedOut = timeout;
            Stop(force: false, CancellationToken.None);
        }, TaskScheduler.Default);
    }

    internal void Kill()
    {
        if (_child is null || _osExited.IsCompleted) return;
        if (!Ended.IsCompleted) _stopRequested = true;
        _child.Kill();
    }

    private void OnFrame(Frame frame)
    {
        var reader = new WireReader(frame.Body);
        ChildOutput item;
        switch (frame.Type)
        {
            case FrameType.Output:
                item = new ChildOutput(null, reader.ReadValue());
                break;
            case FrameType.Record:
                var (kind, record) = StreamRecord.Read(reader);
                item = new ChildOutput(kind, record);
                break;
            case FrameType.Done:
                var done = DoneReport.Read(reader);
                _reportedExitCode = done.ExitCode;
                if (ChildConsole.ReachesTerminal) _ = LetExitOnceShown();
                if (done.Error is null) return;
                item = new ChildOutput(StreamKind.Error, done.Error);
                break;
            default:
                return;
        }
        lock (_gate) _output.Add(item);
        _changed.Notify();
    }

    // The child waits for this before it exits: its end would keep what it printed from the prompt until a key.
    private async Task LetExitOnceShown()
    {
        await PromptSafeConsole.ShownAsync(TimeSpan.FromSeconds(1)).ConfigureAwait(false);
        try { _connection?.Send(FrameType.MayExit, ReadOnlySpan<byte>.Empty); }
        catch (MpObjectGoneException) { /* gone already */ }
    }

    private void Finish(int exitCode, string lastWords = "")
    {
        lock (_gate)
        {
            if (_exitCode is not null) return;
            _exitCode = exitCode;
            _endTime = DateTime.Now;
            _state = _stopRequested && _exitCode != 0 ? MpProcessState.Stopped
                : _exitCode == 0 ? MpProcessState.Completed
                : MpProcessState.Failed;
            if (_state == MpProcessState.Stopped && _timedOut is { } timeout)
                _output.Add(new ChildOutput(StreamKind.Error, new MpTaskTimeoutException(
                    $"The process {Name} (Id {Id}) ran longer than its -Timeout of {timeout.TotalSeconds:0.###} s and was stopped " +
                    $"after {(_endTime.Value - StartTime).TotalSeconds:0.0} s{(exitCode == 137 ? $": it did not end within {StopGrace.TotalSeconds:0} s, so it was killed" : "")}.", this).ErrorRecord));
            else if (_state == MpProcessState.Failed && lastWords != "")
            {
                _output.Add(new ChildOutput(StreamKind.Error, UnexpectedFailures.ChildFailed(new InvalidOperationException(
                    $"The process {Name} ended with code {exitCode}{lastWords}."))));
                _child?.StandardError.Claim();
            }
        }
        _connection?.Close();
        _ended.TrySetResult();
        _changed.Notify();
    }

    public override string ToString() => Name;
}
