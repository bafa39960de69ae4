using System.Management.Automation;

namespace Multiproc.Commands;

/// <summary>Stops processes: their pipelines stop and clean up, and they are killed 5 seconds later if still there.</summary>
[Cmdlet(VerbsLifecycle.Stop, "MpProcess", SupportsShouldProcess = true)]
[OutputType(typeof(MpProcess))]
public sealed class StopMpProcessCommand : MpCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [ValidateNotNullOrEmpty]
    public MpProcess[] Process { get; set; } = null!;

    /// <summary>Kill at once, without letting the pipeline clean up.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        foreach (var process in Process)
        {
            if (StopToken.IsCancellationRequested) return;
            if (!ShouldProcess($"{process.Name} (Id {process.Id})", "Stop")) continue;
            process.Stop(Force, StopToken);
            if (PassThru) WriteObject(process);
        }
    }
}
