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
        var timeout = Timeouts.FromSeconds(Timeout);
        var watch = Stopwatch.StartNew();
        foreach (var pool in Pool)
        {
            pool.Close();
            while (true)
            {
                caller.Reset();
                bool idle = pool.IsIdle;
                caller.RunPending(WriteError);   // after the idle check: every callback the pool owes is queued by then
                if (idle) break;
                var left = timeout == System.Threading.Timeout.InfiniteTimeSpan ? TimeSpan.FromMilliseconds(250) : timeout - watch.Elapsed;
                if (left <= TimeSpan.Zero || !caller.Wait(left < TimeSpan.FromMilliseconds(250) ? left : TimeSpan.FromMilliseconds(250), StopToken)) return;
            }
            pool.Finish();
        }
    }
}
