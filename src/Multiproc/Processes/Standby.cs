using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

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
    private static readonly List<Child> s_ready = new();   // guarded by s_gate
    private static int s_starting;                          // guarded by s_gate

    /// <summary>A connected standby, or null when none is ready. The caller refills once its child has its job.</summary>
    public static Child? Take()
    {
        Child? taken = null;
        lock (s_gate)
        {
            while (s_ready.Count > 0 && taken is null)
            {
                var child = s_ready[0];
                s_ready.RemoveAt(0);
                if (child.IsUsable) taken = child;
                else child.Kill();
            }
        }
        return taken;
    }

    /// <summary>
    /// Starts standbys until <see cref="MpSettings.StandbyCount"/> are ready or starting. A new pwsh takes a
    /// core for ~300 ms, so it starts a moment later, not while the child just started is busy starting.
    /// </summary>
    public static void Refill()
    {
        lock (s_gate)
        {
            while (s_ready.Count + s_starting < MpSettings.StandbyCount)
            {
                s_starting++;
                Task.Delay(RefillDelay).ContinueWith(_ => StartOne(), TaskScheduler.Default);
            }
        }
    }

    private static readonly TimeSpan RefillDelay = TimeSpan.FromMilliseconds(200);

    private static void StartOne()
    {
        Child? child = null;
        try
        {
            child = Child.Spawn();
            child.Connect(CancellationToken.None);
        }
        catch (Exception)
        {
            child?.Kill();
            child = null;
        }
        lock (s_gate)
        {
            s_starting--;
            if (child is null) return;
            if (s_ready.Count < MpSettings.StandbyCount) { s_ready.Add(child); return; }
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

    public static void KillAll() => Trim(0);
}
