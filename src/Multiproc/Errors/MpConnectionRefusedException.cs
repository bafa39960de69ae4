using System;
using System.Management.Automation;

namespace Multiproc;

/// <summary>A connection did not prove the session secret and was refused.</summary>
public sealed class MpConnectionRefusedException : MpException
{
    public MpConnectionRefusedException(string message, object? target = null, Exception? inner = null)
        : base(message, "MpConnectionRefused", ErrorCategory.SecurityError, target, inner) { }
}
