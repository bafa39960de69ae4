using System.Management.Automation;

namespace Multiproc.Commands;

/// <summary>Stops pools at once, as Python's pool.terminate(): workers are killed, tasks not done fail with MpPoolClosed.</summary>
[Cmdlet(VerbsLifecycle.Stop, "MpPool", SupportsShouldProcess = true)]
[OutputType(typeof(void))]
public sealed class StopMpPoolCommand : MpCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [ValidateNotNull]
    public MpPool[] Pool { get; set; } = null!;

    protected override void ProcessRecord()
    {
        foreach (var pool in Pool)
            if (ShouldProcess(pool.Name, "Stop the pool and kill its workers")) pool.Terminate();
    }
}
