using System.Management.Automation;
using Multiproc.Pool;

namespace Multiproc.Commands;

/// <summary>The parameters of SPEC §10 that New-MpPool and Invoke-MpPool share: timeouts, retries, fail-fast.</summary>
public abstract class RunPolicyCmdlet : MpCmdlet
{
    /// <summary>Seconds a task may run before it is stopped and fails with MpTaskTimeout.</summary>
    [Parameter]
    [ValidateRange(0.001, double.MaxValue)]
    public double TaskTimeout { get; set; }

    /// <summary>Seconds a stopped task has to end (its finally blocks run) before its worker is killed.</summary>
    [Parameter]
    [ValidateRange(0.0, double.MaxValue)]
    public double StopGrace { get; set; }

    /// <summary>How many more times a task whose error matches -RetryOn runs.</summary>
    [Parameter]
    [ValidateRange(0, int.MaxValue)]
    public int RetryCount { get; set; }

    /// <summary>Seconds before the first retry; doubled for each one after, at most 60.</summary>
    [Parameter]
    [ValidateRange(0.0, double.MaxValue)]
    public double RetryDelay { get; set; }

    /// <summary>Error ids, or wildcards, of the failures that are retried.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[] RetryOn { get; set; } = null!;

    /// <summary>Failures after which no new task starts and the call ends with MpTooManyFailures.</summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int MaxFailures { get; set; }

    /// <summary><paramref name="basis"/> with the parameters this command was given in place of its own.</summary>
    private protected RunPolicy PolicyOver(RunPolicy basis)
    {
        var bound = MyInvocation.BoundParameters;
        var taskTimeout = Timeouts.FromSeconds(TaskTimeout);
        return basis with
        {
            TaskTimeout = !bound.ContainsKey(nameof(TaskTimeout)) ? basis.TaskTimeout
                : taskTimeout == System.Threading.Timeout.InfiniteTimeSpan ? null : taskTimeout,
            StopGrace = bound.ContainsKey(nameof(StopGrace)) ? Timeouts.FromSeconds(StopGrace) : basis.StopGrace,
            RetryCount = bound.ContainsKey(nameof(RetryCount)) ? RetryCount : basis.RetryCount,
            RetryDelay = bound.ContainsKey(nameof(RetryDelay)) ? Timeouts.FromSeconds(RetryDelay) : basis.RetryDelay,
            RetryOn = bound.ContainsKey(nameof(RetryOn)) ? RetryOn : basis.RetryOn,
            MaxFailures = bound.ContainsKey(nameof(MaxFailures)) ? MaxFailures : basis.MaxFailures,
        };
    }
}
