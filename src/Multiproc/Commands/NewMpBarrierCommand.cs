using System.Management.Automation;

namespace Multiproc.Commands;

/// <summary>Makes a barrier for a number of parties in any processes, as Python's Barrier.</summary>
[Cmdlet(VerbsCommon.New, "MpBarrier")]
[OutputType(typeof(MpBarrier))]
public sealed class NewMpBarrierCommand : MpCmdlet
{
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateRange(1, int.MaxValue)]
    public int Parties { get; set; }

    protected override void EndProcessing() => WriteObject(new MpBarrier(Parties));
}
