using System;
using System.Management.Automation;

namespace Multiproc;

/// <summary>A task or child ran longer than its -TaskTimeout (or -Timeout) and was stopped.</summary>
public sealed class MpTaskTimeoutException : MpException
{
    public MpTaskTimeoutException(string message, object? target = null, Exception? inner = null)
        : base(message, "MpTaskTimeout", ErrorCategory.OperationTimeout, target, inner) { }
}
