using System;
using System.Management.Automation;

namespace Multiproc;

/// <summary>A host of a remote pool could not be reached, would have prompted, or cannot run Multiproc's workers.</summary>
public sealed class MpHostUnreachableException : MpException
{
    public MpHostUnreachableException(string message, object? target = null, Exception? inner = null)
        : base(message, "MpHostUnreachable", ErrorCategory.ConnectionError, target, inner) { }
}
