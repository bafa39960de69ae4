using System;
using System.Management.Automation;

namespace Multiproc;

/// <summary>A pool worker could not be set up: its -InitializationScript, -Function or -Module failed.</summary>
public sealed class MpPoolSetupException : MpException
{
    public MpPoolSetupException(string message, object? target = null, Exception? inner = null)
        : base(message, "MpPoolSetup", ErrorCategory.InvalidOperation, target, inner) { }
}
