using System;
using System.Management.Automation;

namespace Multiproc;

/// <summary>The process is still running; stop it first or use -Force.</summary>
public sealed class MpProcessRunningException : MpException
{
    public MpProcessRunningException(string message, object? target = null, Exception? inner = null)
        : base(message, "MpProcessRunning", ErrorCategory.ResourceBusy, target, inner) { }
}
