using System;
using System.Diagnostics;
using System.Threading;

namespace Multiproc.Platform;

/// <summary>
/// Waits on shared memory with .NET alone: nothing can wake a sleeper in another process, so it looks
/// again after sleeps that grow from 1 ms to <see cref="LongestSleepMs"/>.
/// </summary>
/// <remarks>
/// A waiter first yields its core for 200 µs, looking all the while, so a reply that comes at once is
/// seen at once; then it is woken at most 16 ms late, and looks ~60 times a second, a few microseconds of
/// CPU each. The yielding costs 200 µs of CPU per wait, 0.4% of a core for a waiter woken every 50 ms.
/// </remarks>
internal sealed unsafe class PolledWaits : IWordWaits
{
    public const int LongestSleepMs = 16;
    private const int YieldMicroseconds = 200;

    public void WaitWhile(int* word, int expected, int milliseconds)
    {
        long now = Stopwatch.GetTimestamp();
        long deadline = now + milliseconds * Stopwatch.Frequency / 1000;
        // First yield the core for a while: an answer on its way (a pipe's echo, a lock let go) comes within
        // microseconds, where the first sleep would cost a millisecond.
        long yieldUntil = Math.Min(deadline, now + YieldMicroseconds * Stopwatch.Frequency / 1_000_000);
        while (Volatile.Read(ref *word) == expected && Stopwatch.GetTimestamp() < yieldUntil) Thread.Yield();
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
