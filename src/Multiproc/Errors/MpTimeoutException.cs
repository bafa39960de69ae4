using System;
using System.Management.Automation;

namespace Multiproc;

/// <summary>A wait ran out of time.</summary>
public sealed class MpTimeoutException : MpException
{
    public MpTimeoutException(string message, object? target = null, Exception? inner = null)
        : base(message, "MpTimeout", ErrorCategory.OperationTimeout, target, inner) { }
}
