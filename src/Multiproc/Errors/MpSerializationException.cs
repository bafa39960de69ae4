using System;
using System.Management.Automation;

namespace Multiproc;

/// <summary>A value could not cross the process boundary; nothing was sent.</summary>
public sealed class MpSerializationException : MpException
{
    public MpSerializationException(string message, object? target = null, Exception? inner = null)
        : base(message, "MpSerialization", ErrorCategory.InvalidData, target, inner) { }
}
