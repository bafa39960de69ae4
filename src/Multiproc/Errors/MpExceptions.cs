using System;

namespace Multiproc;

/// <summary>Rebuilds a module exception that crossed from another process, so `catch [Multiproc.MpTimeoutException]` still works.</summary>
internal static class MpExceptions
{
    public static MpException? Rebuild(string typeName, string message, object? target)
    {
        var type = typeof(MpException).Assembly.GetType(typeName, throwOnError: false);
        if (type is null || !type.IsSubclassOf(typeof(MpException)) || type.IsAbstract) return null;
        return (MpException?)Activator.CreateInstance(type, message, target, null);
    }
}
