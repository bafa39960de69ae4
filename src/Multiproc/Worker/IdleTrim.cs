using System;

namespace Multiproc.Worker;

/// <summary>Gives back the memory a spell of work left committed, once a worker has been idle a while.</summary>
/// <remarks>
/// Children start with a 64 MB gen0 budget (see <see cref="Processes.Child"/>), which a scripted loop fills:
/// a worker kept ~65 MB more resident after it, for good, as the runtime does not decommit an idle heap. A
/// compacting collection in Aggressive mode returns it in ~15 ms, once per idle spell and only when the
/// heap grew: an idle pool still costs nothing, and a worker holding much live data is not collected again.
/// </remarks>
internal static class IdleTrim
{
    /// <summary>How long a worker waits for its next chunk before it trims.</summary>
    public static readonly TimeSpan Delay = TimeSpan.FromSeconds(1);

    private const long Growth = 32L << 20;   // what committed memory must exceed the last trim's by
    private static long s_floor;              // pipeline thread only; committed bytes after the last trim

    public static void Run()
    {
        if (GC.GetGCMemoryInfo().TotalCommittedBytes <= s_floor + Growth) return;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        s_floor = GC.GetGCMemoryInfo().TotalCommittedBytes;
    }
}
