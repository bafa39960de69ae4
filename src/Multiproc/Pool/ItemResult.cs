using System.Collections.Generic;
using System.Management.Automation;
using Multiproc.Ipc;

namespace Multiproc.Pool;

/// <summary>What one item produced: its output and stream records in order, and whether it failed.</summary>
internal sealed class ItemResult
{
    /// <summary>The answer of an item that never ran because its call stopped early (-MaxFailures): it is not emitted.</summary>
    public static readonly ItemResult NeverRun = new();

    /// <summary>Output objects (Stream null) and records, in the order they were written.</summary>
    public List<(StreamKind? Stream, object? Value)> Entries { get; } = new();

    /// <summary>The terminating error the task threw (or MpWorkerLost's); null when it succeeded.</summary>
    public ErrorRecord? Failure { get; set; }

    /// <summary>The worker that ran it (this process, inline; 0 when none did); set when it is settled.</summary>
    public int ProcessId { get; set; }

    /// <summary>The machine that worker runs on, as the pool names it.</summary>
    public string HostName { get; set; } = MpSource.ThisMachine;

    /// <summary>How long it ran in its worker (its last attempt); zero when it did not run there.</summary>
    public System.TimeSpan Duration { get; set; }

    /// <summary>Which attempt this is the result of, from 1.</summary>
    public int Attempt { get; set; } = 1;

    /// <summary>Where its records came from: the item at <paramref name="inputIndex"/> of its call.</summary>
    public MpSource SourceOf(int inputIndex, object? input) => new(ProcessId, inputIndex, input, Attempt, HostName);

    /// <summary>The failure with the task's input as its TargetObject, so the caller can tell which input failed, tagged with where it came from.</summary>
    public ErrorRecord? FailureFor(int inputIndex, object? input)
    {
        if (Failure is not { } failure) return null;
        var record = new ErrorRecord(failure.Exception, failure.FullyQualifiedErrorId, failure.CategoryInfo.Category, input);
        if (failure.ErrorDetails is not null) record.ErrorDetails = failure.ErrorDetails;
        return SourceOf(inputIndex, input).Tag(record);
    }
}
