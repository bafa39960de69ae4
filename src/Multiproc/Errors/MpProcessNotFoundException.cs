using System;
using System.Management.Automation;

namespace Multiproc;

/// <summary>No Multiproc process matched the id or name given.</summary>
public sealed class MpProcessNotFoundException : MpException
{
    public MpProcessNotFoundException(string message, object? target = null, Exception? inner = null)
        : base(message, "MpProcessNotFound", ErrorCategory.ObjectNotFound, target, inner) { }
}
