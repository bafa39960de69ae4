using System;
using System.Threading;
using System.Threading.Tasks;

namespace Multiproc;

/// <summary>The module's one way of turning `double` seconds into waits.</summary>
internal static class Timeouts
{
    /// <summary>Seconds to a TimeSpan; infinity waits forever; a negative or NaN value fails with MpInvalidArgument.</summary>
    public static TimeSpan FromSeconds(double seconds)
    {
        if (double.IsNaN(seconds) || seconds < 0)
            throw new MpInvalidArgumentException(
                $"The timeout {seconds} is not valid: give a number of seconds, 0 or more.", seconds);
        return double.IsPositiveInfinity(seconds) || seconds > int.MaxValue / 1000.0
            ? Timeout.InfiniteTimeSpan
            : TimeSpan.FromSeconds(seconds);
    }

    /// <summary>The tick (Environment.TickCount64) at which <paramref name="timeout"/> from now is over; long.MaxValue for no end.</summary>
    public static long Deadline(TimeSpan timeout) =>
        timeout == Timeout.InfiniteTimeSpan ? long.MaxValue : Environment.TickCount64 + (long)timeout.TotalMilliseconds;

    /// <summary>Milliseconds left until <paramref name="deadline"/>: long.MaxValue for no end, 0 or less once it is over.</summary>
    public static long MillisecondsLeft(long deadline) =>
        deadline == long.MaxValue ? long.MaxValue : deadline - Environment.TickCount64;

    /// <summary>What is left until <paramref name="deadline"/>: infinite for no end, never below zero.</summary>
    public static TimeSpan Remaining(long deadline) => deadline == long.MaxValue
        ? Timeout.InfiniteTimeSpan
        : TimeSpan.FromMilliseconds(Math.Max(0, deadline - Environment.TickCount64));

    /// <summary>True when <paramref name="task"/> completed in time; false on timeout or cancellation.</summary>
    public static bool Wait(Task task, TimeSpan timeout, CancellationToken cancel)
    {
        try { return task.Wait(timeout, cancel); }
        catch (OperationCanceledException) { return false; }
    }
}
