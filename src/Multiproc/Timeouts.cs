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

    /// <summary>True when <paramref name="task"/> completed in time; false on timeout or cancellation.</summary>
    public static bool Wait(Task task, TimeSpan timeout, CancellationToken cancel)
    {
        try { return task.Wait(timeout, cancel); }
        catch (OperationCanceledException) { return false; }
    }
}
