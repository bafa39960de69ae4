using System;
using Multiproc.Ipc;

namespace Multiproc.Pool;

/// <summary>
/// The pool's way to one worker process, wherever it runs: the frames of the worker protocol each way,
/// what its result ledger says, and how it ended. <see cref="LocalWorker"/> is a child of this process;
/// <see cref="Remote.RemoteWorker"/> is a worker on another host, reached through that host's agent.
/// </summary>
internal interface IWorkerPort
{
    int ProcessId { get; }

    /// <summary>The machine it runs on, as the pool names it.</summary>
    string HostName { get; }

    /// <summary>Starts reading: each frame goes to <paramref name="onFrame"/> in order, then <paramref name="onGone"/> once, however it ended.</summary>
    void Start(Action<Frame> onFrame, Action onGone);

    /// <summary>Queues a frame for the worker.</summary>
    /// <exception cref="MpObjectGoneException">The worker is gone.</exception>
    void Post(FrameType type, ReadOnlySpan<byte> body);

    /// <summary>
    /// <see cref="Post"/> only queues, never waits: the pool posts under its lock, so frames leave in the
    /// order they were decided. A local connection may wait for room, and is posted to after the lock.
    /// </summary>
    bool PostNeverWaits { get; }

    /// <summary>The item it runs now and since when (this process's Environment.TickCount64); null when none.</summary>
    (long ChunkId, int Index, long Since)? ReadRunning();

    /// <summary>Once it is gone: the chunk and the items it finished but had not sent.</summary>
    (long ChunkId, int Count, byte[] Items)? ReadUnsent();

    /// <summary>Kills the process; its end comes through onGone as any other.</summary>
    void Kill();

    /// <summary>Once it is gone: how it ended. May wait a little for the process and its last words.</summary>
    WorkerEnd Ending();

    /// <summary>Kills it if it still runs and lets go of everything it holds (read <see cref="ReadUnsent"/> first).</summary>
    void Release();
}

/// <summary>How a worker ended.</summary>
/// <param name="ClosedAlive">It closed its connection while it still ran, and was killed for it.</param>
/// <param name="How">"exited with code 3", "was killed by SIGABRT, saying "..."": what follows "the worker".</param>
/// <param name="Quoted">Called when <paramref name="How"/> goes into an error, so its last words are not printed too.</param>
/// <param name="HostLost">It went with its host: the session to the host broke.</param>
internal sealed record WorkerEnd(bool ClosedAlive, string How, Action Quoted, bool HostLost = false);
