using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Threading;
using Multiproc.Ipc;
using Multiproc.Pool;

namespace Multiproc.Remote;

/// <summary>A pool worker on another host, reached through that host's agent: a slot of its <see cref="RemoteHost"/>.</summary>
internal sealed class RemoteWorker : IWorkerPort
{
    private readonly RemoteHost _host;
    private readonly int _slot;
    private readonly object _gate = new();
    private Action<Frame>? _onFrame;                      // guarded by _gate until set
    private Action? _onGone;                              // taken once, by End
    private List<AgentMessage>? _early = new();           // guarded by _gate: what came before Start
    private volatile StrongBox<(long ChunkId, int Index, long Since)?> _running = new(null);
    private (long ChunkId, int Count, byte[] Items)? _unsent;
    private WorkerEnd? _end;
    private WorkerEnd? _lost;                              // guarded by _gate: the host went before Start

    public RemoteWorker(RemoteHost host, int slot, int processId)
    {
        _host = host;
        _slot = slot;
        ProcessId = processId;
    }

    public int ProcessId { get; }

    public string HostName => _host.HostName;

    public void Start(Action<Frame> onFrame, Action onGone)
    {
        lock (_gate)
        {
            _onFrame = onFrame;
            _onGone = onGone;
            if (_early!.Count == 0 && _lost is null)
            {
                _early = null;
                return;
            }
        }
        // Not on this thread: the pool starts a worker under its lock, and an end reaches back into the pool.
        ThreadPool.QueueUserWorkItem(_ => HandleEarly());
    }

    // What came before Start, in order; what comes meanwhile waits behind it.
    private void HandleEarly()
    {
        while (true)
        {
            List<AgentMessage> batch;
            lock (_gate)
            {
                if (_early!.Count == 0)
                {
                    _early = null;
                    break;
                }
                batch = _early;
                _early = new();
            }
            foreach (var message in batch) Handle(message);
        }
        if (_lost is { } lost) End(lost);
    }

    /// <summary>A message from the agent about this worker; on the host's dispatch thread, in order.</summary>
    public void OnMessage(AgentMessage message)
    {
        lock (_gate)
        {
            if (_early is not null)
            {
                _early.Add(message);
                return;
            }
        }
        Handle(message);
    }

    private void Handle(AgentMessage message)
    {
        switch (message.Kind)
        {
            case AgentMessageKind.Frame:
                _onFrame!(message.AsFrame());
                break;
            case AgentMessageKind.Running:
                var r = new WireReader(message.Body);
                long chunk = r.ReadInt64();
                int index = r.ReadInt32();
                long ranMilliseconds = r.ReadInt64();
                _running = new(chunk == 0 ? null : (chunk, index, Environment.TickCount64 - ranMilliseconds));
                break;
            case AgentMessageKind.Gone:
                var g = new WireReader(message.Body);
                bool closedAlive = g.ReadBool();
                string how = g.ReadString();
                if (g.ReadBool()) _unsent = (g.ReadInt64(), g.ReadInt32(), g.ReadBytes());
                End(new WorkerEnd(closedAlive, how, () => { }));
                break;
        }
    }

    /// <summary>Its host is lost: it ends with it.</summary>
    public void OnHostLost(string why)
    {
        var end = new WorkerEnd(false, $"was lost with its host ({why})", () => { }, HostLost: true);
        lock (_gate)
        {
            if (_early is not null)
            {
                _lost = end;   // ends once started
                return;
            }
        }
        End(end);
    }

    /// <summary>Once: says it is gone, and how.</summary>
    private void End(WorkerEnd end)
    {
        if (Interlocked.Exchange(ref _onGone, null) is not { } onGone) return;
        _end = end;
        onGone();
    }

    public void Post(FrameType type, ReadOnlySpan<byte> body)
    {
        // The agent forgets a call for every worker of its host, through whichever worker it came: even a gone one.
        bool forHost = type == FrameType.PoolForget;
        if ((_end is not null && !forHost) || !_host.Send(AgentMessageKind.Frame, _slot, AgentMessage.FrameBody(type, body)))
            throw new MpObjectGoneException($"The pool worker (process {ProcessId} on {HostName}) is gone.", ProcessId);
    }

    public bool PostNeverWaits => true;

    public (long ChunkId, int Index, long Since)? ReadRunning() => _running.Value;

    public (long ChunkId, int Count, byte[] Items)? ReadUnsent() => _unsent;

    public void Kill() => _host.Send(AgentMessageKind.Kill, _slot, ReadOnlySpan<byte>.Empty);

    public WorkerEnd Ending() => _end ?? new WorkerEnd(false, "ended", () => { });

    public void Release() => _host.Release(_slot);
}
