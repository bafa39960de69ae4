using System;
using System.Management.Automation;

namespace Multiproc;

/// <summary>A pipe end is closed, or its other end is closed and nothing is left to receive.</summary>
public sealed class MpPipeClosedException : MpException
{
    public MpPipeClosedException(string message, object? target = null, Exception? inner = null)
        : base(message, "MpPipeClosed", ErrorCategory.InvalidOperation, target, inner) { }
}
