using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Management.Automation;
using Multiproc.Pool;

namespace Multiproc.Commands;

/// <summary>Waits for pool tasks (all, or -Any) and emits those that finished, running due callbacks meanwhile.</summary>
[Cmdlet(VerbsLifecycle.Wait, "MpTask")]
[OutputType(typeof(MpTask))]
public sealed class WaitMpTaskCommand : MpCmdlet
{
    private readonly List<MpTask> _tasks = new();

    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [ValidateNotNull]
    public MpTask[] Task { get; set; } = null!;

    /// <summary>Seconds to wait; the command returns then without an error, emitting the tasks done by then.</summary>
    [Parameter]
    [ValidateRange(0.0, double.MaxValue)]
    public double Timeout { get; set; } = double.PositiveInfinity;

    /// <summary>Returns as soon as one task is done.</summary>
    [Parameter]
    public SwitchParameter Any { get; set; }

    protected override void ProcessRecord() => _tasks.AddRange(Task);

    protected override void EndProcessing()
    {
        var caller = CallerContext.Of(this);
        var timeout = Timeouts.FromSeconds(Timeout);
        var watch = Stopwatch.StartNew();
        while (true)
        {
            caller.Reset();
            int done = _tasks.Count(t => t.IsCompleted);
            caller.RunPending(WriteError);
            if (done == _tasks.Count || (Any && done > 0)) break;
            var left = timeout == System.Threading.Timeout.InfiniteTimeSpan ? TimeSpan.FromMilliseconds(250) : timeout - watch.Elapsed;
            if (left <= TimeSpan.Zero) break;
            if (!caller.Wait(left < TimeSpan.FromMilliseconds(250) ? left : TimeSpan.FromMilliseconds(250), StopToken)) return;
        }
        WriteObject(_tasks.Where(t => t.IsCompleted), enumerateCollection: true);
    }
}
