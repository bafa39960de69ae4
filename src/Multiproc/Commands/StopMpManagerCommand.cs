using System.Management.Automation;

namespace Multiproc.Commands;

/// <summary>Stops managers: every dictionary and list they hold is gone, in every process.</summary>
[Cmdlet(VerbsLifecycle.Stop, "MpManager", SupportsShouldProcess = true)]
[OutputType(typeof(void))]
public sealed class StopMpManagerCommand : MpCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [ValidateNotNull]
    public MpManager[] Manager { get; set; } = null!;

    protected override void ProcessRecord()
    {
        foreach (var manager in Manager)
        {
            if (!ShouldProcess(manager.Name, "Stop the manager and every object it holds")) continue;
            try { manager.Stop(); }
            catch (MpException e) { WriteError(e); }
        }
    }
}
