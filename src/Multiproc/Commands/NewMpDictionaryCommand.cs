using System.Collections;
using System.Management.Automation;

namespace Multiproc.Commands;

/// <summary>Makes a dictionary that every process of the session sees, as Python's Manager().dict().</summary>
[Cmdlet(VerbsCommon.New, "MpDictionary")]
[OutputType(typeof(MpDictionary))]
public sealed class NewMpDictionaryCommand : MpCmdlet
{
    /// <summary>What it holds at first.</summary>
    [Parameter(Position = 0)]
    public IDictionary? InputObject { get; set; }

    /// <summary>The manager it lives in; the session's default manager without it.</summary>
    [Parameter]
    [ValidateNotNull]
    public MpManager? Manager { get; set; }

    protected override void EndProcessing()
    {
        try { WriteObject((Manager ?? Session.Current.DefaultManager).NewDictionary(InputObject)); }
        catch (MpException e) { ThrowTerminating(e); }
    }
}
