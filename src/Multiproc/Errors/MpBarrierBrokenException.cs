using System;
using System.Management.Automation;

namespace Multiproc;

/// <summary>A barrier is broken (a wait timed out, or it was reset while parties waited).</summary>
public sealed class MpBarrierBrokenException : MpException
{
    public MpBarrierBrokenException(string message, object? target = null, Exception? inner = null)
        : base(message, "MpBarrierBroken", ErrorCategory.InvalidOperation, target, inner) { }
}
