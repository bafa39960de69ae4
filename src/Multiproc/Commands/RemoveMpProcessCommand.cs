using System.Management.Automation;

namespace Multiproc.Commands;

/// <summary>Removes ended processes from the session's list; -Force stops running ones first.</summary>
[Cmdlet(VerbsCommon.Remove, "MpProcess", SupportsShouldProcess = true)]
[OutputType(typeof(void))]
public sealed class RemoveMpProcessCommand : MpCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [ValidateNotNullOrEmpty]
    public MpProcess[] Process { get; set; } = null!;

    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override void ProcessRecord()
    {
        foreach (var process in Process)
        {
            if (StopToken.IsCancellationRequested) return;
            if (process.IsAlive && !Force)
            {
                WriteError(new MpProcessRunningException(
                    $"{process.Name} (Id {process.Id}) is still running. Stop it with Stop-MpProcess, wait for it with Wait-MpProcess, or use -Force.",
                    process));
                continue;
            }
            if (!ShouldProcess($"{process.Name} (Id {process.Id})", "Remove")) continue;
            process.Stop(force: false, StopToken);
            Session.Current.Processes.Remove(process);
        }
    }
}
