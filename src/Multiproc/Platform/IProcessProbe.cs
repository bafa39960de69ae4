using System;

namespace Multiproc.Platform;

/// <summary>What can be learnt about another process of this machine.</summary>
internal interface IProcessProbe
{
    /// <summary>Whether process <paramref name="pid"/> still runs (one that has exited, even unreaped, does not).</summary>
    bool IsAlive(int pid);

    /// <summary>
    /// A reader of how many processes the out-of-memory killer of <paramref name="pid"/>'s memory cgroup has
    /// ended so far; null where there is none to read.
    /// </summary>
    Func<long?>? OutOfMemoryKills(int pid);
}
