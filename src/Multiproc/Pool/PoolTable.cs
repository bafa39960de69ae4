using System.Collections.Generic;

namespace Multiproc.Pool;

/// <summary>The session's pools that have not ended, for Get-MpPool and for the session's end.</summary>
internal static class PoolTable
{
    private static readonly object s_gate = new();
    private static readonly List<MpPool> s_pools = new();   // guarded by s_gate

    public static void Add(MpPool pool) { lock (s_gate) s_pools.Add(pool); }

    public static void Remove(MpPool pool) { lock (s_gate) s_pools.Remove(pool); }

    public static MpPool[] Snapshot() { lock (s_gate) return s_pools.ToArray(); }

    /// <summary>The session ends: every pool's workers go.</summary>
    public static void TerminateAll()
    {
        foreach (var pool in Snapshot()) pool.Terminate();
    }
}
