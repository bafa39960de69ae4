using System;
using System.Diagnostics;
using System.Threading;

namespace Multiproc.Platform;

/// <summary>
/// Waits on shared memory with .NET alone: nothing can wake a sleeper in another process, so it looks
/// again after sleeps that grow from 1 ms to <see cref="LongestSleepMs"/>.
/// </summary>
/// <remarks>
/// A waiter that has slept a while is woken at most 16 ms late, and looks ~60 times a second, a few
/// microseconds of CPU each. The callers spin first, so a reply that comes at once is seen at once.
/// </remarks>
internal sealed unsafe class PolledWaits : IWordWaits
{
    public const int LongestSleepMs = 16;

    public void WaitWhile(int* word, int expected, int milliseconds)
    {
        long deadline = Stopwatch.GetTimestamp() + milliseconds * Stopwatch.Frequency / 1000;
        int sleep = 1;
        while (Volatile.Read(ref *word) == expected)
        {
            long left = (deadline - Stopwatch.GetTimestamp()) * 1000 / Stopwatch.Frequency;
            if (left <= 0) return;
            Thread.Sleep((int)Math.Min(sleep, left));
            sleep = Math.Min(sleep * 2, LongestSleepMs);
        }
    }

    public void WakeUp(int* word, int count) { /* sleepers look again by themselves */ }
}
