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

    /// <summary>Removes each process that has ended once all it wrote has been received, as Receive-Job -AutoRemoveJob.</summary>
    [Parameter]
    public SwitchParameter AutoRemove { get; set; }

    protected override void BeginProcessing()
    {
        if (AutoRemove && Keep)
            ThrowTerminating(new MpInvalidArgumentException("-AutoRemove removes a process once its data is received; -Keep keeps the data. Use one of them."));
    }

    protected override void ProcessRecord()
    {
        foreach (var process in Process)
        {
            if (StopToken.IsCancellationRequested) return;
            ChildOutputWriter.Receive(this, process, Wait, Keep, StopToken);
            if (AutoRemove && !process.HasMoreData)   // ended, and all it wrote received
                Session.Current.Processes.Remove(process);
        }
    }
}
