using System;
using System.Management.Automation;

namespace Multiproc;

/// <summary>The pool worker running a task died (it was killed, or the task ran exit); only that task failed.</summary>
public sealed class MpWorkerLostException : MpException
{
    public MpWorkerLostException(string message, object? target = null, Exception? inner = null)
        : base(message, "MpWorkerLost", ErrorCategory.ResourceUnavailable, target, inner) { }
}
