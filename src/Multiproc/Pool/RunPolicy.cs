using System;
using System.Linq;
using System.Management.Automation;

namespace Multiproc.Pool;

/// <summary>How a pool treats tasks that hang or fail (SPEC §10): -TaskTimeout, -StopGrace, -RetryCount, -RetryDelay, -RetryOn, -MaxFailures.</summary>
/// <remarks>A pool has one as its calls' default; a call's own parameters win, one by one.</remarks>
internal sealed record RunPolicy
{
    public static readonly RunPolicy Default = new();
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(60);

    /// <summary>How long a task may run before it is stopped; null for no limit.</summary>
    public TimeSpan? TaskTimeout { get; init; }

    /// <summary>How long a stopped task has to end before its worker is killed.</summary>
    public TimeSpan StopGrace { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Attempts after the first that a failure matching <see cref="RetryOn"/> gets.</summary>
    public int RetryCount { get; init; }

    /// <summary>The wait before the first retry; it doubles for each one after, up to a minute.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Error ids, or wildcards of them, of the failures that are retried.</summary>
    public string[] RetryOn { get; init; } = { "MpWorkerLost", "MpHostLost", "MpTaskTimeout" };

    /// <summary>Failures (after retries) after which a call starts no new task; null for no limit.</summary>
    public int? MaxFailures { get; init; }

    /// <summary>Whether a task that failed on attempt <paramref name="attempt"/> (from 1) with <paramref name="failure"/> runs again.</summary>
    public bool Retries(ErrorRecord failure, int attempt)
    {
        if (attempt > RetryCount) return false;
        var id = failure.FullyQualifiedErrorId ?? "";
        var bare = id.Split(',')[0];   // `MpWorkerLost,Multiproc.Commands.X` names MpWorkerLost
        return RetryOn.Any(pattern =>
        {
            var wildcard = WildcardPattern.Get(pattern, WildcardOptions.IgnoreCase);
            return wildcard.IsMatch(bare) || wildcard.IsMatch(id);
        });
    }

    /// <summary>The wait before attempt <paramref name="attempt"/> (2 for the first retry).</summary>
    public TimeSpan DelayBefore(int attempt)
    {
        double seconds = RetryDelay.TotalSeconds * Math.Pow(2, attempt - 2);
        return seconds < 0 || seconds >= MaxRetryDelay.TotalSeconds ? MaxRetryDelay : TimeSpan.FromSeconds(seconds);
    }

    /// <summary>The message of a task stopped by its -TaskTimeout; <paramref name="where"/> names the process it ran in.</summary>
    public string TimedOut(int inputIndex, int attempt, string where, double seconds) =>
        $"The task ran longer than its -TaskTimeout of {TaskTimeout!.Value.TotalSeconds:0.###} s and was stopped: input {inputIndex} of the call (counting from 0), " +
        $"attempt {attempt}, {where}, after {seconds:0.0} s.";

    /// <summary>The last attempt's error, saying how many attempts there were.</summary>
    public static ErrorRecord AfterAttempts(ErrorRecord failure, int attempts)
    {
        if (attempts <= 1) return failure;
        var message = failure.ErrorDetails?.Message ?? failure.Exception?.Message ?? failure.ToString();
        return new ErrorRecord(failure, failure.Exception)
        {
            ErrorDetails = new ErrorDetails($"{message} (It failed on all {attempts} attempts; this is the last one's error.)"),
        };
    }
}
