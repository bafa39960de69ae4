using System.Management.Automation;

namespace Multiproc.Commands;

/// <summary>What Receive-MpQueue and Receive-MpPipe share: one item by default, -Count n, or -All, each wait bounded by -Timeout.</summary>
public abstract class MpReceiveCmdlet : MpCmdlet
{
    [Parameter(Mandatory = true, ParameterSetName = "Count")]
    [ValidateRange(1, int.MaxValue)]
    public int Count { get; set; }

    /// <summary>Streams until the source is finished: a queue complete and drained, a pipe closed.</summary>
    [Parameter(Mandatory = true, ParameterSetName = "All")]
    public SwitchParameter All { get; set; }

    /// <summary>Seconds to wait for each item.</summary>
    [Parameter]
    [ValidateRange(0.0, double.MaxValue)]
    public double Timeout { get; set; } = double.PositiveInfinity;

    /// <summary>How many items to emit: 1, -Count, or no limit with -All.</summary>
    protected long Wanted => All ? long.MaxValue : ParameterSetName == "Count" ? Count : 1;
}
