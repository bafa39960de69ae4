using System;
using System.Linq;
using System.Collections.Generic;

namespace Multiproc.Pool;

/// <summary>One worker process of a pool, from the pool's side: the way to it and the chunks it has been sent.</summary>
/// <remarks>Everything but the port is guarded by the pool's lock.</remarks>
internal sealed class PoolMember
{
    public PoolMember(IWorkerPort port, WorkerSite site)
    {
        Port = port;
        Site = site;
        KnownCalls = site.SharedKnownCalls ?? new();
    }

    public IWorkerPort Port { get; }

    /// <summary>Where it runs, and so where its replacement starts.</summary>
    public WorkerSite Site { get; }

    public int ProcessId => Port.ProcessId;

    /// <summary>The code a task's `exit` gave, when that ended it.</summary>
    public int? ExitCode { get; set; }

    /// <summary>The item it was told to stop, and when it is killed if that item has not ended by then.</summary>
    public StopOrder? Stop { get; set; }

    /// <summary>Chunks sent and not finished, oldest first: the first is the one running.</summary>
    public List<SentChunk> InFlight { get; } = new();

    /// <summary>Calls whose definition this worker has been sent (its host's, when the host keeps definitions for its workers).</summary>
    public HashSet<int> KnownCalls { get; }

    /// <summary>Items sent to it, for -MaxTasksPerWorker.</summary>
    public int ItemsSent { get; set; }

    /// <summary>Being let go on purpose: its connection closing is no loss.</summary>
    public bool Retiring { get; set; }
}

/// <summary>What a worker was told to stop, and when it is killed (Environment.TickCount64) if that still runs.</summary>
/// <remarks>
/// Either one item that ran past its -TaskTimeout (<see cref="ChunkId"/>, <see cref="Index"/>), or every
/// chunk of some calls (<see cref="Calls"/>): a cancelled call, or all a stopping pool runs.
/// </remarks>
internal sealed record StopOrder(long KillAt, string Message)
{
    public long ChunkId { get; init; }
    public int Index { get; init; } = -1;
    public IReadOnlyCollection<PoolCall>? Calls { get; init; }

    public static StopOrder Item(long chunkId, int index, long killAt, string message) => new(killAt, message) { ChunkId = chunkId, Index = index };

    public static StopOrder Chunks(IReadOnlyCollection<PoolCall> calls, long killAt, string message) => new(killAt, message) { Calls = calls };

    /// <summary>Whether what it stops still runs on <paramref name="member"/>. Under the pool's lock.</summary>
    public bool StillRuns(PoolMember member) => Calls is { } calls
        ? member.InFlight.Exists(c => calls.Contains(c.Call))
        : member.InFlight.Count > 0 && member.InFlight[0].Id == ChunkId && member.Port.ReadRunning() is { } r && r.ChunkId == ChunkId && r.Index == Index;
}
