using System;
using System.Management.Automation;

namespace Multiproc;

/// <summary>The queue is complete (no more items can be put), or complete and drained (none are left to get).</summary>
public sealed class MpQueueCompletedException : MpException
{
    public MpQueueCompletedException(string message, object? target = null, Exception? inner = null)
        : base(message, "MpQueueCompleted", ErrorCategory.InvalidOperation, target, inner) { }
}
