using System;
using System.Management.Automation;

namespace Multiproc;

/// <summary>A pool call reached its -MaxFailures: it started no more tasks and ended.</summary>
public sealed class MpTooManyFailuresException : MpException
{
    public MpTooManyFailuresException(string message, object? target = null, Exception? inner = null)
        : base(message, "MpTooManyFailures", ErrorCategory.LimitsExceeded, target, inner) { }
}
