using System;
using System.Diagnostics;
using System.Management.Automation;
using Multiproc.Pool;

namespace Multiproc.Commands;

/// <summary>Closes pools and waits for their tasks and callbacks, as Python's pool.close(); pool.join().</summary>
/// <remarks>Ctrl+C stops the pool: its running tasks are stopped as Ctrl+C would stop them, and what has not
/// ended within the pool's -StopGrace is killed with its worker; nothing of it is left running.</remarks>
[Cmdlet(VerbsLifecycle.Wait, "MpPool")]
[OutputType(typeof(void))]
public sealed class WaitMpPoolCommand : MpCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [ValidateNotNull]
    public MpPool[] Pool { get; set; } = null!;

    /// <summary>Seconds to wait; the command returns then without an error, and the pool stays closed to new tasks.</summary>
    [Parameter]
    [ValidateRange(0.0, double.MaxValue)]
    public double Timeout { get; set; } = double.PositiveInfinity;

    /// <summary>Ctrl+C: every pool given stops its tasks softly (killing what outlasts -StopGrace), then its workers go.</summary>
    /// <remarks>A second Ctrl+C ends the wait: Terminate then kills what still runs.</remarks>
    private void Stop(CallerContext caller, MpPool[] pools)
    {
        foreach (var pool in pools) pool.StopRunningTasks();
        var secondPress = NextCtrlC;
        foreach (var pool in pools)
        {
            caller.WaitUntil(() => pool.Busy == 0, System.Threading.Timeout.InfiniteTimeSpan, secondPress, onError: null);
            pool.Terminate();
        }
    }

    protected override void ProcessRecord()
    {
        var caller = CallerContext.Of(this);
        var deadline = Stopwatch.StartNew();
        var timeout = Timeouts.FromSeconds(Timeout);
        foreach (var pool in Pool)
        {
            pool.Close();
            var left = timeout == System.Threading.Timeout.InfiniteTimeSpan ? timeout : TimeSpan.FromTicks(Math.Max(0, (timeout - deadline.Elapsed).Ticks));
            if (!caller.WaitUntil(() => pool.IsIdle, left, StopToken, WriteError))
            {
                if (StopToken.IsCancellationRequested) Stop(caller, Pool);
                return;
            }
            pool.Finish();
        }
    }
}
