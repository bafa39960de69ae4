using System;
using System.Management.Automation;

namespace Multiproc;

/// <summary>The process or manager that owns an object is gone.</summary>
public sealed class MpObjectGoneException : MpException
{
    public MpObjectGoneException(string message, object? target = null, Exception? inner = null)
        : base(message, "MpObjectGone", ErrorCategory.ConnectionError, target, inner) { }
}
