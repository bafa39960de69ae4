using System;
using System.Management.Automation;

namespace Multiproc;

/// <summary>Records for what a child's own code threw that is neither a PowerShell error nor an <see cref="MpException"/>.</summary>
internal static class UnexpectedFailures
{
    /// <summary>A child's job ended on an exception PowerShell did not turn into an error record.</summary>
    public static ErrorRecord ChildFailed(Exception e) => new(e, "MpChildFailed", ErrorCategory.NotSpecified, null);

    /// <summary>A pool worker's setup ended on such an exception.</summary>
    public static ErrorRecord PoolSetupFailed(Exception e) => new(e, "MpPoolSetupFailed", ErrorCategory.NotSpecified, null);
}
