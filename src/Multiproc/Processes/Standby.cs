using System;
using System.Collections.Generic;
using System.Threading;

namespace Multiproc.Processes;

/// <summary>Warm children that have started pwsh, loaded the module and connected, waiting for work.</summary>
/// <remarks>
/// Like Python's forkserver: the first start pays for pwsh; later ones take a standby and pay only for
/// the message. A standby runs nothing of the user's until it gets a job, and takes the job's
/// environment and working directory then.
/// </remarks>
internal static class Standby
{
    private static readonly object s_gate = new();
    private static readonly List<Child> s_ready = new();   // guarded by s_gate; spawned, connected or still connecting
    private static int s_starting;                          // guarded by s_gate; refills about to spawn
    private static int s_generation;                        // guarded by s_gate; KillAll starts a new one

    /// <summary>
    /// A standby, or null when there is none. One still connecting is taken too: it has booted further than
    /// a new one would. One started before the runtime's settings in the environment changed is not: its
    /// runtime was set up by the old ones. With <paramref name="refill"/>, the one taken is replaced at once
    /// (it has booted already, so its replacement may boot beside it); a pool asks for none, or a standby
    /// would boot beside its workers and its first tasks.
    /// </summary>
    public static Child? Take(bool refill)
    {
        Child? taken = null;
        var runtimeSettings = Child.CurrentRuntimeSettings();
        lock (s_gate)
        {
            while (s_ready.Count > 0 && taken is null)
            {
                var child = s_ready[0];
                s_ready.RemoveAt(0);
                if (child.IsUsable && child.RuntimeSettings == runtimeSettings) taken = child;
                else child.Kill();
            }
        }
        if (taken is not null && refill) Refill();
        return taken;
    }

    /// <summary>
    /// Starts standbys until <see cref="MpSettings.StandbyCount"/> are there. Never called while a new
    /// child boots: a pwsh takes a core for ~300 ms, and two booting at once on two cores slow each other.
    /// </summary>
    public static void Refill()
    {
        lock (s_gate)
        {
            while (s_ready.Count + s_starting < MpSettings.StandbyCount)
            {
                s_starting++;
                int generation = s_generation;
                ThreadPool.UnsafeQueueUserWorkItem(_ => StartOne(generation), null);
            }
        }
    }

    // A refill queued before the session ended must not start a child for a session made anew.
    private static void StartOne(int generation)
    {
        lock (s_gate)
        {
            if (generation != s_generation) { s_starting--; return; }
        }
        Child? child;
        try { child = Child.Spawn(asStandby: true); }
        catch (MpException) { child = null; }
        lock (s_gate)
        {
            s_starting--;
            if (child is null) return;
            if (generation == s_generation && s_ready.Count < MpSettings.StandbyCount) { s_ready.Add(child); return; }
        }
        child.Kill();   // the count was lowered while it started
    }

    /// <summary>Stops standbys beyond <paramref name="count"/>.</summary>
    public static void Trim(int count)
    {
        List<Child> extra;
        lock (s_gate)
        {
            extra = s_ready.GetRange(Math.Min(count, s_ready.Count), Math.Max(0, s_ready.Count - count));
            s_ready.RemoveRange(Math.Min(count, s_ready.Count), extra.Count);
        }
        foreach (var child in extra) child.Kill();
    }

    /// <summary>Stops every standby, and the refills already queued, as the session ends.</summary>
    public static void KillAll()
    {
        lock (s_gate) s_generation++;
        Trim(0);
    }
}
