using System;
using System.Management.Automation;

namespace Multiproc.Commands;

/// <summary>Receives messages from a pipe end: one, a number of them, or all until the other end closes.</summary>
[Cmdlet(VerbsCommunications.Receive, "MpPipe", DefaultParameterSetName = "One")]
[OutputType(typeof(object))]
public sealed class ReceiveMpPipeCommand : MpCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [ValidateNotNull]
    public MpPipeEnd Pipe { get; set; } = null!;

    [Parameter(Mandatory = true, ParameterSetName = "Count")]
    [ValidateRange(1, int.MaxValue)]
    public int Count { get; set; }

    /// <summary>Receives until the other end is closed and everything it sent has come.</summary>
    [Parameter(Mandatory = true, ParameterSetName = "All")]
    public SwitchParameter All { get; set; }

    /// <summary>Seconds to wait for each message.</summary>
    [Parameter]
    [ValidateRange(0.0, double.MaxValue)]
    public double Timeout { get; set; } = double.PositiveInfinity;

    protected override void ProcessRecord()
    {
        var timeout = Timeouts.FromSeconds(Timeout);
        long wanted = All ? long.MaxValue : ParameterSetName == "Count" ? Count : 1;
        try
        {
            for (; wanted > 0; wanted--)
            {
                object? message;
                try { message = Pipe.Receive(timeout, StopToken); }
                catch (MpPipeClosedException) when (All) { return; }
                WriteObject(message);
            }
        }
        catch (OperationCanceledException) { throw new PipelineStoppedException(); }
        catch (MpException e) { ThrowTerminating(e); }
    }
}
