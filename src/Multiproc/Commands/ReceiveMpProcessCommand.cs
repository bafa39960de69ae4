using System.Management.Automation;

namespace Multiproc.Commands;

/// <summary>Emits what processes wrote to their success, error, warning, verbose, debug and information streams.</summary>
[Cmdlet(VerbsCommunications.Receive, "MpProcess")]
[OutputType(typeof(object))]
public sealed class ReceiveMpProcessCommand : MpCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [ValidateNotNullOrEmpty]
    public MpProcess[] Process { get; set; } = null!;

    /// <summary>Keep emitting as output arrives until each process has ended.</summary>
    [Parameter]
    public SwitchParameter Wait { get; set; }

    /// <summary>Leave the data in place for a later Receive-MpProcess.</summary>
    [Parameter]
    public SwitchParameter Keep { get; set; }

    protected override void ProcessRecord()
    {
        foreach (var process in Process)
        {
            if (StopToken.IsCancellationRequested) return;
            ChildOutputWriter.Receive(this, process, Wait, Keep, StopToken);
        }
    }
}
