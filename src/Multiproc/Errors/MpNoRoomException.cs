using System;
using System.Management.Automation;

namespace Multiproc;

/// <summary>There is no room in the temporary folder for an object's shared memory; nothing was made.</summary>
public sealed class MpNoRoomException : MpException
{
    public MpNoRoomException(string message, object? target = null, Exception? inner = null)
        : base(message, "MpNoRoom", ErrorCategory.ResourceUnavailable, target, inner) { }
}
