using System;
using System.Collections;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Threading;
using System.Threading.Tasks;
using Multiproc.Ipc;
using Multiproc.Pool;
using Multiproc.Processes;

namespace Multiproc.Remote;

/// <summary>
/// A host of a pool, reached over PowerShell remoting: one session, one pipeline in it running the
/// <see cref="HostAgent"/>, and the workers the agent started for the pool, each a <see cref="RemoteWorker"/>.
/// </summary>
/// <remarks>
/// Two threads a host: one sends what the pool queued, a packet at a time, as the pipeline's input; one
/// hands what the agent sends to the workers it is about, in order. When the pipeline ends while the pool
/// still runs, the host is lost: its workers end as lost with it, and no worker starts there again.
/// </remarks>
internal sealed class RemoteHost : WorkerSite
{
    private static readonly TimeSpan AgentDeadline = TimeSpan.FromSeconds(60);

    // An agent beats every second. Silence this long, data or beats, means the way to it is broken: a
    // network that stopped answering, or an SSH transport that died without saying so (SshCrashGuard).
    private const long SilenceLimit = 10_000;
    private const long SilenceLimitAfterCrash = 2_500;

    private readonly Runspace _runspace;
    private readonly bool _ownsRunspace;
    private readonly PowerShell _agent = PowerShell.Create();
    private readonly PSDataCollection<object> _input = new();
    private readonly PSDataCollection<PSObject> _output = new();
    private readonly PacketQueue _outgoing = new();
    private readonly BlockingCollection<byte[]> _incoming = new();
    private readonly object _incomingGate = new();
    private readonly ConcurrentDictionary<int, RemoteWorker> _workers = new();
    private readonly ConcurrentDictionary<int, TaskCompletionSource<RemoteWorker>> _starts = new();
    private readonly TaskCompletionSource _hello = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _lastSlot;
    private long _sentBytes;

    /// <summary>What the pool has sent the agent so far, in bytes: for tests and the curious.</summary>
    internal long SentBytes => Interlocked.Read(ref _sentBytes);
    private volatile string? _lostBecause;
    private volatile bool _closing;
    private long _lastHeard = Environment.TickCount64;   // when the agent last sent anything
    private readonly Timer _liveness;

    private RemoteHost(Runspace runspace, bool ownsRunspace, string hostName) : base(0)
    {
        _runspace = runspace;
        _ownsRunspace = ownsRunspace;
        HostName = hostName;
        _liveness = new Timer(_ => CheckHeard(SilenceLimit));   // started by the agent's hello: its start-up may take a while
        SshCrashGuard.Install();
        SshCrashGuard.Swallowed += OnTransportCrash;
    }

    // Some SSH transport of this process died: if it was this host's, its agent has gone quiet.
    private void OnTransportCrash() =>
        Task.Delay((int)SilenceLimitAfterCrash).ContinueWith(_ => CheckHeard(SilenceLimitAfterCrash), TaskScheduler.Default);

    private void CheckHeard(long limit)
    {
        long silent = Environment.TickCount64 - Interlocked.Read(ref _lastHeard);
        if (silent > limit && !_closing) Lose($"its agent has not been heard from for {silent / 1000.0:0.#} s");
    }

    public override string HostName { get; }

    public override bool IsLost => _lostBecause is not null;

    /// <summary>The agent keeps each call's definition for its workers: it is sent to the host once.</summary>
    public override HashSet<int> SharedKnownCalls { get; } = new();

    /// <summary>Why it was lost; null while it is not.</summary>
    public string? LostBecause => _lostBecause;

    /// <summary>The host's processor count, as its agent said.</summary>
    public int ProcessorCount { get; private set; }

    /// <summary>Connects over SSH (never prompting), readies Multiproc there and starts the agent.</summary>
    /// <exception cref="MpHostUnreachableException">The host could not be reached, would have prompted, or cannot run the workers.</exception>
    public static RemoteHost Open(HostAddress address, int? sizePerHost, CancellationToken cancel)
    {
        var runspace = address.Open();
        try { return Connect(runspace, ownsRunspace: true, address.HostName, sizePerHost, cancel); }
        catch
        {
            runspace.Dispose();
            throw;
        }
    }

    /// <summary>Starts the agent in a session the caller opened (and keeps): its runspace runs the agent until the pool ends.</summary>
    public static RemoteHost Attach(Runspace runspace, int? sizePerHost, CancellationToken cancel)
    {
        if (runspace.RunspaceStateInfo.State != RunspaceState.Opened || runspace.RunspaceAvailability != RunspaceAvailability.Available)
            throw new MpHostUnreachableException(
                $"The session to '{runspace.ConnectionInfo?.ComputerName}' is {runspace.RunspaceStateInfo.State} and {runspace.RunspaceAvailability}: a pool needs an open session that runs nothing else. Open a new one with New-PSSession.",
                runspace.ConnectionInfo?.ComputerName);
        return Connect(runspace, ownsRunspace: false, runspace.ConnectionInfo?.ComputerName ?? "?", sizePerHost, cancel);
    }

    private static RemoteHost Connect(Runspace runspace, bool ownsRunspace, string hostName, int? sizePerHost, CancellationToken cancel)
    {
        var dll = ModuleShipment.Ensure(runspace, hostName);
        var host = new RemoteHost(runspace, ownsRunspace, hostName);
        try
        {
            host.StartAgent(dll);
            if (!host._hello.Task.Wait(AgentDeadline, cancel))
                throw new MpHostUnreachableException($"Multiproc's agent on host '{hostName}' did not answer within {AgentDeadline.TotalSeconds} s.", hostName);
        }
        catch (Exception e)
        {
            host.Close();
            if (e is PSInvalidOperationException or RuntimeException and not MpException)
                throw new MpHostUnreachableException($"Multiproc's agent could not start on host '{hostName}': {e.Message}", hostName, e);
            if (e is AggregateException { InnerException: { } inner }) throw inner;
            throw;
        }
        host.Size = sizePerHost ?? host.ProcessorCount;
        return host;
    }

    private void StartAgent(string dll)
    {
        _agent.Runspace = _runspace;
        // The agent, and so the host's workers, run in the pool's mode (portable or native) where they can.
        _agent.AddScript("param($Module, $Portable) Import-Module -Name $Module; if ($Portable) { [Multiproc.MpSettings]::Portable = $true }; [Multiproc.Remote.HostAgent]::Run($input)")
            .AddArgument(dll).AddArgument(MpSettings.Portable);
        _output.DataAdded += (_, _) => TakeOutput();
        _agent.InvocationStateChanged += (_, e) =>
        {
            if (e.InvocationStateInfo.State is PSInvocationState.Completed or PSInvocationState.Failed or PSInvocationState.Stopped)
                Lose($"its session ended: {e.InvocationStateInfo.Reason?.Message ?? (_agent.Streams.Error.Count > 0 ? _agent.Streams.Error[0].ToString() : $"its pipeline {e.InvocationStateInfo.State}")}");
        };
        new Thread(Dispatch) { IsBackground = true, Name = $"Multiproc host {HostName}" }.Start();
        new Thread(SendPackets) { IsBackground = true, Name = $"Multiproc host {HostName} sender" }.Start();
        _agent.BeginInvoke(_input, _output);
    }

    // ---- to the agent ----------------------------------------------------------------------------

    /// <summary>Queues a message for the agent; false once the host is lost or closed.</summary>
    public bool Send(AgentMessageKind kind, int slot, ReadOnlySpan<byte> body) => _outgoing.Add(kind, slot, body);

    private void SendPackets()
    {
        try
        {
            while (_outgoing.Take() is { } packet)
            {
                _input.Add(packet);
                Interlocked.Add(ref _sentBytes, packet.Length);
            }
            _input.Complete();
        }
        // The pipeline ended (Lose says so), or remoting wrote our input into an SSH transport that had just died:
        // PSDataCollection.Add writes it on this thread, and a dead ssh makes that an IOException here.
        catch (Exception e) when (e is InvalidOperationException or PSInvalidOperationException or IOException) { Lose($"writing to it failed: {e.Message}"); }
    }

    public override IWorkerPort StartWorker(JobSpec setup, CancellationToken cancel)
    {
        var body = new WireWriter();
        setup.ForAnotherHost().Write(body);
        if (body.WroteHandle) throw MpNotRemotableException.For("The pool's -InitializationScript (one of its $using: values)");
        int slot = Interlocked.Increment(ref _lastSlot);
        var started = new TaskCompletionSource<RemoteWorker>(TaskCreationOptions.RunContinuationsAsynchronously);
        _starts[slot] = started;
        if (!Send(AgentMessageKind.Start, slot, body.WrittenSpan)) started.TrySetException(Lost());
        try { return started.Task.WaitAsync(cancel).GetAwaiter().GetResult(); }
        catch (OperationCanceledException)
        {
            Release(slot);   // if it starts after all, the agent lets it go
            throw;
        }
        finally { _starts.TryRemove(slot, out _); }
    }

    /// <summary>The pool is done with a worker.</summary>
    public void Release(int slot)
    {
        _workers.TryRemove(slot, out _);
        Send(AgentMessageKind.Release, slot, ReadOnlySpan<byte>.Empty);
    }

    // ---- from the agent --------------------------------------------------------------------------

    // The output collection's event runs on remoting's threads: the packets are taken in order under a
    // lock, and handled on this host's own thread.
    private void TakeOutput()
    {
        Interlocked.Exchange(ref _lastHeard, Environment.TickCount64);
        lock (_incomingGate)
            foreach (var item in _output.ReadAll())
                if (!_incoming.IsAddingCompleted && item.BaseObject is byte[] packet) _incoming.Add(packet);
    }

    /// <summary>The way to the agent is gone: what it sent is still handled, then its workers end as lost.</summary>
    private void Lose(string why)
    {
        if (!_incoming.IsAddingCompleted && _agent.InvocationStateInfo.State != PSInvocationState.NotStarted) TakeOutput();
        lock (_incomingGate)
        {
            if (_incoming.IsAddingCompleted) return;
            _lostBecause ??= _closing ? "the pool ended" : why;
            _incoming.CompleteAdding();
        }
    }

    private void Dispatch()
    {
        foreach (var packet in _incoming.GetConsumingEnumerable())
        {
            foreach (var message in AgentMessage.ReadAll(packet)) Handle(message);
        }
        // The pipeline ended: whatever still runs there is lost.
        _lostBecause ??= "its session ended";
        _outgoing.Complete();
        _hello.TrySetException(new MpHostUnreachableException($"Multiproc's agent on host '{HostName}' ended before it ran: {_lostBecause}.", HostName));
        foreach (var (_, start) in _starts) start.TrySetException(Lost());
        foreach (var (_, worker) in _workers) worker.OnHostLost(_lostBecause);
    }

    private void Handle(AgentMessage message)
    {
        switch (message.Kind)
        {
            case AgentMessageKind.Hello:
                var hello = new WireReader(message.Body);
                hello.ReadString();   // PowerShell's version: checked before the agent started
                hello.ReadString();   // Multiproc's: this very build, by its hash
                ProcessorCount = hello.ReadInt32();
                Interlocked.Exchange(ref _lastHeard, Environment.TickCount64);
                _liveness.Change(1000, 1000);
                _hello.TrySetResult();
                break;
            case AgentMessageKind.Beat:
                break;   // heard: that is all a beat says
            case AgentMessageKind.Started:
                var worker = new RemoteWorker(this, message.Slot, new WireReader(message.Body).ReadInt32());
                _workers[message.Slot] = worker;
                if (!_starts.TryGetValue(message.Slot, out var waiting) || !waiting.TrySetResult(worker)) Release(message.Slot);
                break;
            case AgentMessageKind.StartFailed:
                var failed = new WireReader(message.Body);
                string id = failed.ReadString(), text = failed.ReadString();
                if (_starts.TryGetValue(message.Slot, out var start))
                    start.TrySetException(id == "MpPoolSetup"
                        ? new MpPoolSetupException($"On host '{HostName}': {text}", HostName)
                        : new MpWorkerLostException($"A pool worker could not start on host '{HostName}': {text}", HostName));
                break;
            case AgentMessageKind.Console:
                var to = message.Slot == 1 ? ChildConsole.Output : ChildConsole.Error;
                try { lock (to) to.Write(message.Body); }
                catch (Exception e) when (e is IOException or ObjectDisposedException) { /* nowhere to print */ }
                break;
            default:
                if (_workers.TryGetValue(message.Slot, out var about)) about.OnMessage(message);
                if (message.Kind == AgentMessageKind.Gone) _workers.TryRemove(message.Slot, out _);
                break;
        }
    }

    private MpHostLostException Lost() =>
        new($"Host '{HostName}' of the pool is lost: {_lostBecause ?? "its session ended"}.", HostName);

    // ---- the end ---------------------------------------------------------------------------------

    /// <summary>The pool has ended: the agent ends its workers, and the session, when the pool opened it, closes.</summary>
    public override void Close()
    {
        _closing = true;
        _liveness.Dispose();
        SshCrashGuard.Swallowed -= OnTransportCrash;
        _outgoing.Complete();   // the agent's input ends: it kills its workers and returns
        try
        {
            if (_agent.InvocationStateInfo.State == PSInvocationState.Running)
            {
                var ended = new ManualResetEventSlim();
                _agent.InvocationStateChanged += (_, e) => { if (e.InvocationStateInfo.State != PSInvocationState.Running) ended.Set(); };
                if (_agent.InvocationStateInfo.State == PSInvocationState.Running && !ended.Wait(TimeSpan.FromSeconds(IsLost ? 1 : 10)))
                    _agent.BeginStop(null, null);   // a transport that died unseen never answers a Stop
            }
        }
        catch (Exception e) when (e is PSInvalidOperationException or ObjectDisposedException) { /* ended already */ }
        if (_agent.InvocationStateInfo.State is PSInvocationState.Running or PSInvocationState.Stopping)
        {
            // A transport that died unseen (SshCrashGuard) blocks the pipeline's Stop and the session's Close for
            // ever: a thread of its own waits in them rather than Stop-MpPool. The session goes first: once its
            // Dispose has begun, pwsh's own exit, which disposes every open runspace, passes it by instead of
            // waiting for it too.
            new Thread(Dispose) { IsBackground = true, Name = $"Multiproc host {HostName} closing" }.Start();
        }
        else Dispose();
        Lose("the pool ended");   // what still waits on the agent (a worker's start, the dispatch thread) ends now
    }

    private void Dispose()
    {
        try
        {
            if (_ownsRunspace) _runspace.Dispose();
            _agent.Dispose();
        }
        catch (Exception e) when (e is PSInvalidOperationException or ObjectDisposedException or System.Management.Automation.Remoting.PSRemotingTransportException) { /* broken already */ }
    }
}
