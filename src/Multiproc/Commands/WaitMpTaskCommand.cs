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
        bool Done() => Any ? _tasks.Any(t => t.IsCompleted) : _tasks.All(t => t.IsCompleted);
        CallerContext.Of(this).WaitUntil(Done, Timeouts.FromSeconds(Timeout), StopToken, WriteError);
        if (!StopToken.IsCancellationRequested) WriteObject(_tasks.Where(t => t.IsCompleted), enumerateCollection: true);
    }
}
