using System;
using System.Linq;
using Multiproc.Pool;

namespace Multiproc;

/// <summary>
/// Says what a session stops that was still running when it ended (issue 19): a script that ends without
/// waiting kills its children and tasks, which Python's non-daemon children never are, so it must not go silently.
/// </summary>
internal static class UnfinishedWork
{
    /// <summary>What is still running, as a sentence; null when nothing is.</summary>
    public static string? Describe()
    {
        var processes = Session.Current.Processes.Snapshot().Where(p => p.IsAlive).Select(p => $"{p.Name} (Id {p.Id})").ToArray();
        var pools = PoolTable.Snapshot()
            .Select(p => (Pool: p, Busy: p.Busy, Queued: p.Queued))
            .Where(p => p.Busy + p.Queued > 0)
            .Select(p => $"pool {p.Pool.Name} ({p.Busy} worker{(p.Busy == 1 ? "" : "s")} busy, {p.Queued} task{(p.Queued == 1 ? "" : "s")} queued)")
            .ToArray();
        if (processes.Length + pools.Length == 0) return null;
        return $"Multiproc: this session is ending with work still running, which is now stopped: {string.Join(", ", processes.Concat(pools))}. " +
               "To let it finish, end the script with Wait-MpProcess for processes and Wait-MpPool for pools (which also runs the callbacks still due).";
    }

    /// <summary>At the process's end: the sentence on standard error, where a script's log catches it.</summary>
    public static void WarnAtExit()
    {
        try
        {
            if (Describe() is { } warning) Console.Error.WriteLine(warning);
        }
        catch (Exception e) when (e is ObjectDisposedException or System.IO.IOException) { /* no stderr left to tell */ }
    }
}
