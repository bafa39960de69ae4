using System.Management.Automation;

namespace Multiproc.Commands;

/// <summary>Parameter validation: neither empty nor white space (ValidateNotNullOrWhiteSpace is newer than the PowerShell this builds against).</summary>
internal sealed class ValidateNotBlankAttribute : ValidateArgumentsAttribute
{
    protected override void Validate(object arguments, EngineIntrinsics engineIntrinsics)
    {
        if (arguments is null || (arguments.ToString() ?? "").Trim().Length == 0)
            throw new ValidationMetadataException("The argument is empty or white space. Give it a value.");
    }
}
