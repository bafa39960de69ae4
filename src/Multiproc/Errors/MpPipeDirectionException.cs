using System;
using System.Management.Automation;

namespace Multiproc;

/// <summary>A one-way pipe end was used in the direction it does not go.</summary>
public sealed class MpPipeDirectionException : MpException
{
    public MpPipeDirectionException(string message, object? target = null, Exception? inner = null)
        : base(message, "MpPipeDirection", ErrorCategory.InvalidOperation, target, inner) { }
}
