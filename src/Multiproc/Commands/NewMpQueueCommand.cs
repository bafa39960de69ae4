using System.Management.Automation;

namespace Multiproc.Commands;

/// <summary>Makes a queue that any process of the session can put to and get from.</summary>
[Cmdlet(VerbsCommon.New, "MpQueue")]
[OutputType(typeof(MpQueue))]
public sealed class NewMpQueueCommand : MpCmdlet
{
    /// <summary>The most items it holds before Put waits; unbounded without it.</summary>
    [Parameter(Position = 0)]
    [ValidateRange(1, int.MaxValue)]
    public int MaxSize { get; set; }

    protected override void EndProcessing() => WriteObject(new MpQueue(MaxSize));
}
