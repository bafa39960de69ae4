using System;
using System.Management.Automation;
using Multiproc.Pool;

namespace Multiproc.Commands;

/// <summary>Waits for each pool task and emits its output and records, or re-emits its error.</summary>
[Cmdlet(VerbsCommunications.Receive, "MpTask")]
[OutputType(typeof(object))]
public sealed class ReceiveMpTaskCommand : MpCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [ValidateNotNull]
    public MpTask[] Task { get; set; } = null!;

    protected override void ProcessRecord()
    {
        var caller = CallerContext.Of(this);
        foreach (var task in Task)
        {
            if (!caller.WaitUntil(() => task.IsCompleted, System.Threading.Timeout.InfiniteTimeSpan, StopToken, WriteError)) return;
            StreamOutput.WriteResult(this, task.Result!, task.InputIndex, task.Input);
        }
    }
}
