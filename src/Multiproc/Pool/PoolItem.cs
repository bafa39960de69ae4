namespace Multiproc.Pool;

/// <summary>One task of a pool call: its input, as given and as it crosses, and, once it ran, its result.</summary>
internal sealed class PoolItem
{
    public PoolItem(PoolCall call, int index, object? input, byte[] bytes, byte[]? arguments, RunPolicy policy)
    {
        Call = call;
        Policy = policy;
        Index = index;
        Input = input;
        Bytes = bytes;
        Arguments = arguments;
    }

    public PoolCall Call { get; }

    /// <summary>Its timeout and retries: its call's, or for an -Async task, those of the command that gave it.</summary>
    public RunPolicy Policy { get; }

    /// <summary>Which run of it this is, from 1; a retry adds one. Under the pool's lock.</summary>
    public int Attempt { get; set; } = 1;

    /// <summary>Its place in the call's input (in a lane, among all the lane's tasks).</summary>
    public int Index { get; }

    /// <summary>Its input's position as its caller counts it (MpSource.InputIndex, -HostPrefix, messages, the journal): in its Invoke-MpPool command's input, from 0.</summary>
    public int InputIndex { get; init; }

    /// <summary>The input object: `$_` in the task, and the TargetObject of its error.</summary>
    public object? Input { get; }

    public byte[] Bytes { get; }

    /// <summary>Its own -ArgumentList, serialized (tasks of an -Async lane each bring theirs); null for the call's.</summary>
    public byte[]? Arguments { get; }

    /// <summary>When it was queued (Stopwatch ticks): a partial chunk waits a little for more.</summary>
    public long Queued { get; } = System.Diagnostics.Stopwatch.GetTimestamp();

    /// <summary>Set once, when it has run (or failed without running).</summary>
    public ItemResult? Result { get; set; }

    /// <summary>Part of its output was emitted while it ran (-Unordered streaming): it is never put back to run again.</summary>
    public volatile bool Streamed;

    /// <summary>-Journal: the hash of its input, for its journal line; null when it is not journaled.</summary>
    public string? JournalHash { get; init; }

    /// <summary>-HostPrefix: its host lines start with `[pid:InputIndex] `.</summary>
    public bool HostPrefix { get; init; }

    /// <summary>The task object that -Async handed out for it; null in map mode.</summary>
    public MpTask? Task { get; init; }
}
