using System;
using System.Management.Automation;

namespace Multiproc;

/// <summary>A pool task threw; GetResult() rethrows its error as this, with the task's own error inside.</summary>
public sealed class MpTaskFailedException : MpException
{
    public MpTaskFailedException(string message, object? target = null, Exception? inner = null)
        : base(message, "MpTaskFailed", ErrorCategory.InvalidOperation, target, inner) { }
}
