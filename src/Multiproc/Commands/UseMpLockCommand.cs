using System;
using System.Collections.ObjectModel;
using System.Management.Automation;

namespace Multiproc.Commands;

/// <summary>Runs a scriptblock holding a lock or semaphore slot and always releases it, as Python's `with lock:`.</summary>
[Cmdlet(VerbsOther.Use, "MpLock")]
[OutputType(typeof(object))]
public sealed class UseMpLockCommand : MpCmdlet
{
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNull]
    public MpLockable Lock { get; set; } = null!;

    [Parameter(Mandatory = true, Position = 1)]
    [ValidateNotNull]
    public ScriptBlock ScriptBlock { get; set; } = null!;

    /// <summary>Seconds to wait for the lock; MpTimeout after that, and the scriptblock does not run.</summary>
    [Parameter]
    [ValidateRange(0.0, double.MaxValue)]
    public double Timeout { get; set; } = double.PositiveInfinity;

    protected override void EndProcessing()
    {
        try
        {
            Lock.Enter(Timeout, StopToken, ", so the scriptblock did not run.");
        }
        catch (OperationCanceledException) { throw new PipelineStoppedException(); }
        catch (MpException e) { ThrowTerminating(e); }
        Collection<PSObject> results;
        try
        {
            // In the caller's scope, as a `lock` block or ForEach-Object's scriptblock: what it assigns stays.
            results = InvokeCommand.InvokeScript(false, ScriptBlock, null);
        }
        finally
        {
            Lock.Release();
        }
        // Written after the release: a slow consumer downstream must not hold up the other processes.
        foreach (var result in results) WriteObject(result);
    }
}
