using System.Collections.Generic;
using System.Management.Automation;

namespace Multiproc.Commands;

/// <summary>Makes a list that every process of the session sees, as Python's Manager().list().</summary>
[Cmdlet(VerbsCommon.New, "MpList")]
[OutputType(typeof(MpList))]
public sealed class NewMpListCommand : MpCmdlet
{
    private readonly List<object?> _items = new();

    /// <summary>What it holds at first: an array, or the pipeline's objects.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true)]
    [AllowNull]
    [AllowEmptyCollection]
    public object?[]? InputObject { get; set; }

    /// <summary>The manager it lives in; the session's default manager without it.</summary>
    [Parameter]
    [ValidateNotNull]
    public MpManager? Manager { get; set; }

    protected override void ProcessRecord()
    {
        if (InputObject is not null) _items.AddRange(InputObject);
    }

    protected override void EndProcessing()
    {
        try { WriteObject((Manager ?? Session.Current.DefaultManager).NewList(_items)); }
        catch (MpException e) { ThrowTerminating(e); }
    }
}
