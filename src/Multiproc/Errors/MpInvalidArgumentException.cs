using System;
using System.Management.Automation;

namespace Multiproc;

/// <summary>A method was given an argument it cannot use; nothing changed.</summary>
public sealed class MpInvalidArgumentException : MpException
{
    public MpInvalidArgumentException(string message, object? target = null, Exception? inner = null)
        : base(message, "MpInvalidArgument", ErrorCategory.InvalidArgument, target, inner) { }
}
