using System.Management.Automation;

namespace Multiproc.Commands;

/// <summary>Starts a manager in this process: a home for shared dictionaries and lists that ends when it is stopped.</summary>
[Cmdlet(VerbsCommon.New, "MpManager")]
[OutputType(typeof(MpManager))]
public sealed class NewMpManagerCommand : MpCmdlet
{
    /// <summary>Its name; MpManager-n without it.</summary>
    [Parameter(Position = 0)]
    [ValidateNotNullOrEmpty]
    public string? Name { get; set; }

    protected override void EndProcessing() => WriteObject(MpManager.Start(Name));
}
