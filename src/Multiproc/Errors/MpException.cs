using System;
using System.Management.Automation;

namespace Multiproc;

/// <summary>Base of every Multiproc failure; carries the ErrorRecord PowerShell shows.</summary>
/// <remarks>
/// Deriving from MethodException keeps the record when a method call fails: `$q.Get(0)` surfaces
/// FullyQualifiedErrorId `MpTimeout` instead of PowerShell's generic MethodInvocationException.
/// </remarks>
public abstract class MpException : MethodException
{
    private readonly ErrorRecord _record;

    protected MpException(string message, string errorId, ErrorCategory category,
        object? target = null, Exception? inner = null) : base(message, inner)
        => _record = new ErrorRecord(this, errorId, category, target);

    /// <summary>The record with the stable `Mp...` error id.</summary>
    public override ErrorRecord ErrorRecord => _record;
}
