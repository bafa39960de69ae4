using System;
using System.Management.Automation;

namespace Multiproc;

/// <summary>A `$using:` reference names a variable the caller has not defined; nothing was started.</summary>
public sealed class MpUsingUndefinedException : MpException
{
    public MpUsingUndefinedException(string message, object? target = null, Exception? inner = null)
        : base(message, "MpUsingUndefined", ErrorCategory.InvalidOperation, target, inner) { }
}
