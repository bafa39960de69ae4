using System;
using System.Management.Automation;

namespace Multiproc.Commands;

/// <summary>Receives messages from a pipe end: one, a number of them, or all until the other end closes.</summary>
[Cmdlet(VerbsCommunications.Receive, "MpPipe", DefaultParameterSetName = "One")]
[OutputType(typeof(object))]
public sealed class ReceiveMpPipeCommand : MpReceiveCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [ValidateNotNull]
    public MpPipeEnd Pipe { get; set; } = null!;

    protected override void ProcessRecord()
    {
        var timeout = Timeouts.FromSeconds(Timeout);
        try
        {
            for (long wanted = Wanted; wanted > 0; wanted--)
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
