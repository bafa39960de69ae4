using System;
using System.Management.Automation;

namespace Multiproc;

/// <summary>The pool takes no more tasks: Wait-MpPool or Stop-MpPool was called on it, or its session ended.</summary>
public sealed class MpPoolClosedException : MpException
{
    public MpPoolClosedException(string message, object? target = null, Exception? inner = null)
        : base(message, "MpPoolClosed", ErrorCategory.InvalidOperation, target, inner) { }
}
