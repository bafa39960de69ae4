using System.Management.Automation;

namespace Multiproc.Commands;

/// <summary>Makes a counting semaphore that processes of the session share, as Python's Semaphore.</summary>
[Cmdlet(VerbsCommon.New, "MpSemaphore")]
[OutputType(typeof(MpSemaphore))]
public sealed class NewMpSemaphoreCommand : MpCmdlet
{
    /// <summary>How many may hold it at once.</summary>
    [Parameter(Position = 0)]
    [ValidateRange(1, int.MaxValue)]
    public int Count { get; set; } = 1;

    protected override void EndProcessing() => WriteObject(new MpSemaphore(Count));
}
