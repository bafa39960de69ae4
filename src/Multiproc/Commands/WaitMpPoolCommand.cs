using System;
using System.Diagnostics;
using System.Management.Automation;
using Multiproc.Pool;

namespace Multiproc.Commands;

/// <summary>Closes pools and waits for their tasks and callbacks, as Python's pool.close(); pool.join().</summary>
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

    protected override void ProcessRecord()
    {
        var caller = CallerContext.Of(this);
        var deadline = Stopwatch.StartNew();
        var timeout = Timeouts.FromSeconds(Timeout);
        foreach (var pool in Pool)
        {
            pool.Close();
            var left = timeout == System.Threading.Timeout.InfiniteTimeSpan ? timeout : TimeSpan.FromTicks(Math.Max(0, (timeout - deadline.Elapsed).Ticks));
            if (!caller.WaitUntil(() => pool.IsIdle, left, StopToken, WriteError)) return;
            pool.Finish();
        }
    }
}
