using System;
using System.Management.Automation;

namespace Multiproc;

/// <summary>A lock or semaphore was released by a process that does not hold it.</summary>
public sealed class MpLockNotHeldException : MpException
{
    public MpLockNotHeldException(string message, object? target = null, Exception? inner = null)
        : base(message, "MpLockNotHeld", ErrorCategory.InvalidOperation, target, inner) { }
}
