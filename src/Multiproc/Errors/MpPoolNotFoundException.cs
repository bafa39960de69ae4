using System;
using System.Management.Automation;

namespace Multiproc;

/// <summary>No pool of the session has the name asked for.</summary>
public sealed class MpPoolNotFoundException : MpException
{
    public MpPoolNotFoundException(string message, object? target = null, Exception? inner = null)
        : base(message, "MpPoolNotFound", ErrorCategory.ObjectNotFound, target, inner) { }
}
