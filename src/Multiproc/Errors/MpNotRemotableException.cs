using System;
using System.Management.Automation;

namespace Multiproc;

/// <summary>A value that only this machine can use (a live queue, dictionary, lock, ... handle) was given to a task that may run on another host.</summary>
public sealed class MpNotRemotableException : MpException
{
    public MpNotRemotableException(string message, object? target = null, Exception? inner = null)
        : base(message, "MpNotRemotable", ErrorCategory.InvalidArgument, target, inner) { }
}
