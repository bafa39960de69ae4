using System;
using System.Management.Automation;

namespace Multiproc;

/// <summary>A host of a remote pool went away (its session broke) while a task ran there, and the task had no attempts left.</summary>
public sealed class MpHostLostException : MpException
{
    public MpHostLostException(string message, object? target = null, Exception? inner = null)
        : base(message, "MpHostLost", ErrorCategory.ConnectionError, target, inner) { }
}
