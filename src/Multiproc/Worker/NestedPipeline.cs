using System;
using System.Management.Automation;

namespace Multiproc.Worker;

/// <summary>Runs a nested pipeline with no input, handing each output object and error record on as it is written.</summary>
/// <remarks>
/// Shared by a child's job, a pool worker's loop and an inline task. Handlers run on the pipeline's thread
/// as each item is written, so output and errors keep the order they were written in.
/// </remarks>
internal static class NestedPipeline
{
    /// <param name="onOutput">Each output object (null for a $null); merged streams' records come this way too.</param>
    public static void Invoke(PowerShell ps, Action<PSObject?> onOutput, Action<ErrorRecord> onError)
    {
        var output = new PSDataCollection<PSObject>();
        output.DataAdded += (_, _) => { foreach (var item in output.ReadAll()) onOutput(item); };
        ps.Streams.Error.DataAdded += (_, _) => { foreach (var record in ps.Streams.Error.ReadAll()) onError(record); };
        var noInput = new PSDataCollection<object?>();
        noInput.Complete();
        ps.Invoke(noInput, output);
    }
}
