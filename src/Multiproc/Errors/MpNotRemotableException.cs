using System;
using System.Management.Automation;

namespace Multiproc;

/// <summary>A value that only this machine can use (a live queue, dictionary, lock, ... handle) was given to a task that may run on another host.</summary>
public sealed class MpNotRemotableException : MpException
{
    public MpNotRemotableException(string message, object? target = null, Exception? inner = null)
        : base(message, "MpNotRemotable", ErrorCategory.InvalidArgument, target, inner) { }

    /// <param name="what">What held the handle: "This input", "A $using: value", ...</param>
    internal static MpNotRemotableException For(string what, object? target = null) => new(
        $"{what} holds a live Multiproc object (a queue, pipe, dictionary, list, lock or other shared object), which works on this machine only: " +
        "a task on another host of the pool cannot reach it. Pass plain values instead, or run such tasks on a pool without -HostName or -Session.", target);
}
