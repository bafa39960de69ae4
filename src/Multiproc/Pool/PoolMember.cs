using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Multiproc.Ipc;
using Multiproc.Processes;

namespace Multiproc.Pool;

/// <summary>One worker process of a pool, from the pool's side: its connection and the chunks it has been sent.</summary>
/// <remarks>Everything but the connection is guarded by the pool's lock.</remarks>
internal sealed class PoolMember
{
    private PoolMember(Child child, Connection connection, ResultLedger ledger)
    {
        Child = child;
        Connection = connection;
        Ledger = ledger;
        Exit = ExitReason.Watch(child.Process.Id);
    }

    /// <summary>How it ended, in words, once it is gone.</summary>
    public ExitReason Exit { get; }

    /// <summary>The code a task's `exit` gave, when that ended it.</summary>
    public int? ExitCode { get; set; }

    /// <summary>The item it was told to stop, and when it is killed if that item has not ended by then.</summary>
    public StopOrder? Stop { get; set; }

    public Child Child { get; }
    public Connection Connection { get; }

    /// <summary>What the worker finished and has not sent yet: read once it is gone.</summary>
    public ResultLedger Ledger { get; }
    public int ProcessId => Child.Process.Id;

    /// <summary>Chunks sent and not finished, oldest first: the first is the one running.</summary>
    public List<SentChunk> InFlight { get; } = new();

    /// <summary>Calls whose definition this worker has been sent.</summary>
    public HashSet<int> KnownCalls { get; } = new();

    /// <summary>Items sent to it, for -MaxTasksPerWorker.</summary>
    public int ItemsSent { get; set; }

    /// <summary>Being let go on purpose: its connection closing is no loss.</summary>
    public bool Retiring { get; set; }

    /// <summary>Starts a worker and sets it up; returns once it is ready.</summary>
    /// <exception cref="MpException">It could not start, or its setup failed (the message says why).</exception>
    /// <exception cref="OperationCanceledException">Cancelled; the process is gone.</exception>
    public static PoolMember Start(JobSpec setup, CancellationToken cancel)
    {
        var ledger = ResultLedger.Create();
        Child child;
        try { child = Child.Acquire(refillStandby: false); }
        catch
        {
            ledger.Dispose(deleteFile: true);
            throw;
        }
        try
        {
            var connection = child.Connect(cancel);
            var message = new WireWriter();
            setup.Write(message);
            message.WriteString(ledger.Path);
            connection.Send(FrameType.PoolSetup, message);
            if (connection.ReadOne() is not { Type: FrameType.PoolReady } ready)
                throw new MpObjectGoneException("A pool worker ended while it was being set up.", child.Process.Id);
            var r = new WireReader(ready.Body);
            if (!r.ReadBool())
            {
                var error = (System.Management.Automation.ErrorRecord)StreamRecord.Read(r).Record;
                throw new MpPoolSetupException(
                    $"A pool worker's setup failed: {error}. Check -InitializationScript, -Function and -Module.", null, error.Exception);
            }
            return new PoolMember(child, connection, ledger);
        }
        catch
        {
            child.Kill();
            ledger.Dispose(deleteFile: true);
            throw;
        }
    }

    /// <summary>Kills the worker and lets go of its ledger: read the ledger first when the worker died.</summary>
    public void Kill()
    {
        Child.Kill();
        Ledger.Dispose(deleteFile: true);
    }
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
        : member.InFlight.Count > 0 && member.InFlight[0].Id == ChunkId && member.Ledger.ReadRunning() is { } r && r.ChunkId == ChunkId && r.Index == Index;
}
